package egress

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBlockedReason_RefusesInternalAddressesInEveryForm(t *testing.T) {
	cases := []struct{ addr, reason string }{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.0.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"fec0::1", "site-local"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:100.64.0.1", "carrier-grade NAT"},
		{"64:ff9b::7f00:1", "loopback"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"2002:7f00:1::", "loopback"},
		{"2002:a00:1::1", "private"},
		// Public addresses, some beside the ranges above.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.1", ""},
		{"172.32.0.1", ""},
		{"192.169.0.1", ""},
		{"169.255.0.1", ""},
		{"2001:4860:4860::8888", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::", ""},
	}
	for _, tc := range cases {
		got := blockedReason(netip.MustParseAddr(tc.addr))
		if (tc.reason == "") != (got == "") || !strings.Contains(got, tc.reason) {
			t.Errorf("blockedReason(%s) = %q, want %q", tc.addr, got, tc.reason)
		}
	}
}

// counter is an endpoint that counts the requests it gets.
type counter struct{ hits atomic.Int32 }

func (c *counter) ServeHTTP(w http.ResponseWriter, _ *http.Request) { c.hits.Add(1) }

func newCounter(t *testing.T) (*counter, *httptest.Server) {
	t.Helper()
	c := &counter{}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func mustAllow(t *testing.T, setting string) AllowList {
	t.Helper()
	allow, err := ParseAllowList(setting)
	if err != nil {
		t.Fatal(err)
	}
	return allow
}

func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("%s: err = %v, want a RefusedError", what, err)
	}
}

func TestTransport_RefusesInternalAddressesWhenConnecting(t *testing.T) {
	c, srv := newCounter(t)
	client := &http.Client{Transport: NewTransport(AllowList{})}
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, target := range []string{
		srv.URL,                             // 127.0.0.1
		"http://localhost:" + port,          // a name that resolves to loopback
		"http://[::1]:" + port,              // IPv6 loopback
		"http://[::ffff:127.0.0.1]:" + port, // IPv4-mapped loopback
		"http://10.0.0.1:" + port,           // refused before any packet leaves
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0:" + port,
	} {
		res, err := client.Get(target)
		if err == nil {
			res.Body.Close()
		}
		wantRefused(t, target, err)
	}
	if n := c.hits.Load(); n != 0 {
		t.Fatalf("the loopback endpoint got %d requests", n)
	}
}

func TestTransport_AllowListOpensChosenHostsAndNetworks(t *testing.T) {
	c, srv := newCounter(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cases := []struct{ setting, url string }{
		{"127.0.0.0/8", srv.URL},
		{"127.0.0.1", srv.URL},
		{"localhost", "http://localhost:" + port},
	}
	for _, tc := range cases {
		client := &http.Client{Transport: NewTransport(mustAllow(t, tc.setting))}
		res, err := client.Get(tc.url)
		if err != nil {
			t.Fatalf("%s allowed by %q: %v", tc.url, tc.setting, err)
		}
		res.Body.Close()
	}
	if n := c.hits.Load(); n != int32(len(cases)) {
		t.Fatalf("%d requests arrived, want %d", n, len(cases))
	}
	// A name allowed does not open its address under another name, and an address
	// allowed does not open the others.
	for _, tc := range []struct{ setting, url string }{
		{"localhost", srv.URL},
		{"127.0.0.2", srv.URL},
	} {
		_, err := (&http.Client{Transport: NewTransport(mustAllow(t, tc.setting))}).Get(tc.url)
		wantRefused(t, tc.setting+" for "+tc.url, err)
	}
}

func TestTransport_RedirectFromAnAllowedHostToLoopbackIsRefused(t *testing.T) {
	inside, insideSrv := newCounter(t)
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, insideSrv.URL+"/admin", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(allowed.Close)
	port := allowed.URL[strings.LastIndex(allowed.URL, ":")+1:]

	// Only the name "localhost" is allowed; the redirect names 127.0.0.1, which the
	// client follows (its default policy) and the dialer refuses.
	client := &http.Client{Transport: NewTransport(mustAllow(t, "localhost"))}
	res, err := client.Get("http://localhost:" + port + "/hook")
	if err == nil {
		res.Body.Close()
	}
	wantRefused(t, "the redirect", err)
	if n := inside.hits.Load(); n != 0 {
		t.Fatalf("the redirect reached loopback: %d requests", n)
	}
}

func TestTransport_UsesNoProxy(t *testing.T) {
	// A proxy from HTTP_PROXY or HTTPS_PROXY would make the connection on our behalf,
	// to an address the dialer never sees.
	if NewTransport(AllowList{}).Proxy != nil {
		t.Fatal("the transport takes a proxy")
	}
}
