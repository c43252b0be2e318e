package api_test

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestHealthz_IsOKWithoutKeyOrDependencies(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	res := a.do(http.MethodGet, "/healthz", "", "")
	res.wantStatus(t, http.StatusOK)
	if string(res.body) != `{"status":"ok"}`+"\n" {
		t.Errorf("body = %q", res.body)
	}
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyzAgainst asks /readyz of an API whose Temporal client dials hostPort, expects 503,
// and returns the report and how long it took.
func readyzAgainst(t *testing.T, hostPort string) (readiness, time.Duration) {
	t.Helper()
	temporal, err := client.NewLazyClient(client.Options{
		HostPort: hostPort,
		Logger:   log.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(temporal.Close)
	a := newTestAPI(t, testenv.SQLite(t), withTemporal(temporal))

	start := time.Now()
	res := a.do(http.MethodGet, "/readyz", "", "")
	elapsed := time.Since(start)
	res.wantStatus(t, http.StatusServiceUnavailable)
	var got readiness
	res.decode(t, &got)
	return got, elapsed
}

func TestReadyz_UnreachableTemporalIs503WithinTheTimeout(t *testing.T) {
	// Nothing listens on port 1: the lazy client's health check fails.
	got, elapsed := readyzAgainst(t, "127.0.0.1:1")
	if got.Status != "unavailable" || got.Checks["database"] != "ok" || got.Checks["temporal"] == "ok" || got.Checks["temporal"] == "" {
		t.Errorf("readiness = %+v", got)
	}
	// Generous bounds: they tell "gave up after its timeout" from "hung", and must hold on
	// a machine busy with every other package's tests.
	if elapsed > 10*time.Second {
		t.Errorf("/readyz took %v; each check should give up after 2s", elapsed)
	}
}

func TestReadyz_HangingTemporalIsGivenUpAfterTwoSeconds(t *testing.T) {
	// A listener that accepts connections and never answers, like a wedged server.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		var held []net.Conn
		for {
			conn, err := silent.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, conn)
		}
	}()
	got, elapsed := readyzAgainst(t, silent.Addr().String())
	if got.Checks["database"] != "ok" || got.Checks["temporal"] == "ok" {
		t.Errorf("readiness = %+v", got)
	}
	if elapsed < 1500*time.Millisecond || elapsed > 10*time.Second {
		t.Errorf("/readyz took %v, want about the 2s check timeout", elapsed)
	}
}

func TestReadyz_WithoutTemporalIs503NotConfigured(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	res := a.do(http.MethodGet, "/readyz", "", "")
	res.wantStatus(t, http.StatusServiceUnavailable)
	var got readiness
	res.decode(t, &got)
	want := readiness{Status: "unavailable", Checks: map[string]string{"database": "ok", "temporal": "not configured", "secretKey": "ok"}}
	if got.Status != want.Status || len(got.Checks) != 3 || got.Checks["database"] != "ok" || got.Checks["temporal"] != "not configured" || got.Checks["secretKey"] != "ok" {
		t.Errorf("readiness = %+v, want %+v", got, want)
	}
}
