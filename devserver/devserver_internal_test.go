package devserver

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// Start checks its own ports, but the internal services' ports are picked
// free and bound a moment later; if something takes one in between, the
// server's Fatal log must come back as an error, not end the process.
func TestStartTemporal_PortTakenMeanwhileReturnsError(t *testing.T) {
	addr, err := FreeAddr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	front, err := parseEndpoint(addr)
	if err != nil {
		t.Fatal(err)
	}
	frontHTTP, err := freeEndpoint(front.ip)
	if err != nil {
		t.Fatal(err)
	}
	internal, err := internalEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	taken := internal["history"].bindAddr()
	l, err := net.Listen("tcp", taken)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	db, err := prepareDatabase(Options{Namespace: "port-taken"})
	if err != nil {
		t.Fatal(err)
	}
	logger := newServerLogger(slog.New(slog.NewTextHandler(io.Discard, nil)), slog.LevelError)

	ts, err := startTemporal(serverOptions(front, frontHTTP, internal, db, logger, nil))
	if err == nil {
		_ = ts.Stop()
		t.Fatal("server started with the history port taken")
	}
	if !strings.Contains(err.Error(), taken) {
		t.Errorf("error %q should name the taken address %s", err, taken)
	}
}

func TestParseEndpoint_DialsLoopbackWhenBindingEveryInterface(t *testing.T) {
	for _, tc := range []struct {
		addr, bind, dial string
	}{
		{"127.0.0.1:7233", "127.0.0.1:7233", "127.0.0.1:7233"},
		{"localhost:7233", "127.0.0.1:7233", "127.0.0.1:7233"},
		{":7233", "0.0.0.0:7233", "127.0.0.1:7233"},
		{"0.0.0.0:7233", "0.0.0.0:7233", "127.0.0.1:7233"},
		{"[::]:7233", "[::]:7233", "[::1]:7233"},
		{"[::1]:7233", "[::1]:7233", "[::1]:7233"},
	} {
		ep, err := parseEndpoint(tc.addr)
		if err != nil {
			t.Errorf("parseEndpoint(%q): %v", tc.addr, err)
			continue
		}
		if ep.bindAddr() != tc.bind || ep.dial != tc.dial {
			t.Errorf("parseEndpoint(%q) binds %s and dials %s, want %s and %s",
				tc.addr, ep.bindAddr(), ep.dial, tc.bind, tc.dial)
		}
	}
	for _, addr := range []string{"7233", "example.com:7233", "127.0.0.1:0", "127.0.0.1:http"} {
		if _, err := parseEndpoint(addr); err == nil {
			t.Errorf("parseEndpoint(%q) succeeded, want an error", addr)
		}
	}
}
