package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

func TestClientAddress(t *testing.T) {
	cases := []struct {
		name    string
		peer    string
		xff     []string // X-Forwarded-For header lines
		trusted string
		want    string
	}{
		{"the TCP peer", "192.0.2.1:5000", nil, "", "192.0.2.1"},
		{"X-Forwarded-For without trusted proxies", "192.0.2.1:5000", []string{"198.51.100.1"}, "", "192.0.2.1"},
		{"X-Forwarded-For from an untrusted peer", "192.0.2.1:5000", []string{"198.51.100.1"}, "10.0.0.0/8", "192.0.2.1"},
		{"a trusted peer without X-Forwarded-For", "10.0.0.1:5000", nil, "10.0.0.0/8", "10.0.0.1"},
		{"a trusted peer names the client", "10.0.0.1:5000", []string{"198.51.100.1"}, "10.0.0.0/8", "198.51.100.1"},
		{"the rightmost untrusted entry wins", "10.0.0.1:5000", []string{"203.0.113.9, 198.51.100.1, 10.0.0.2"}, "10.0.0.0/8", "198.51.100.1"},
		{"header lines are one list", "10.0.0.1:5000", []string{"203.0.113.9", "198.51.100.1"}, "10.0.0.0/8", "198.51.100.1"},
		{"every entry trusted: the leftmost", "10.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.0/8", "10.0.0.3"},
		{"garbage stops the walk at the last trusted hop", "10.0.0.1:5000", []string{"198.51.100.1, not-an-ip, 10.0.0.2"}, "10.0.0.0/8", "10.0.0.2"},
		{"empty entries likewise", "10.0.0.1:5000", []string{"198.51.100.1,,"}, "10.0.0.0/8", "10.0.0.1"},
		{"an entry with a port", "10.0.0.1:5000", []string{"198.51.100.1:4711"}, "10.0.0.0/8", "198.51.100.1"},
		{"an IPv6 entry with a port", "10.0.0.1:5000", []string{"[2001:db8::1]:4711"}, "10.0.0.0/8", "2001:db8::/64"},
		{"IPv4-mapped peer", "[::ffff:192.0.2.1]:5000", nil, "", "192.0.2.1"},
		{"IPv4-mapped trusted peer", "[::ffff:10.0.0.1]:5000", []string{"198.51.100.1"}, "10.0.0.0/8", "198.51.100.1"},
		{"IPv6 peers count by /64", "[2001:db8:1:2:3:4:5:6]:5000", nil, "", "2001:db8:1:2::/64"},
		{"a zone is dropped", "[fe80::1%eth0]:5000", nil, "", "fe80::/64"},
		{"a peer that is not an address is its own key", "@", nil, "", "@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			proxies, err := config.ParseTrustedProxies(c.trusted)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/q/x", nil)
			req.RemoteAddr = c.peer
			for _, line := range c.xff {
				req.Header.Add("X-Forwarded-For", line)
			}
			if got := clientAddress(req, proxies); got != c.want {
				t.Fatalf("clientAddress = %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzClientAddress(f *testing.F) {
	f.Add("192.0.2.1:5000", "198.51.100.1")
	f.Add("10.0.0.1:5000", "203.0.113.9, 198.51.100.1, 10.0.0.2")
	f.Add("[::ffff:10.0.0.1]:1", "[2001:db8::1]:4711,,x")
	f.Add("10.0.0.1:1", "10.0.0.2, 10.9.9.9")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		req := httptest.NewRequest("GET", "/q/x", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", xff)
		got := clientAddress(req, trusted)
		untrusted := clientAddress(req, nil)
		if got == "" || untrusted == "" {
			t.Fatalf("clientAddress(%q, %q) = %q / %q: empty key", peer, xff, got, untrusted)
		}
		// Without trusted proxies, and from an untrusted peer, X-Forwarded-For never counts.
		req.Header.Del("X-Forwarded-For")
		if alone := clientAddress(req, nil); untrusted != alone {
			t.Fatalf("with no trusted proxies, X-Forwarded-For %q changed the client from %q to %q", xff, alone, untrusted)
		}
		if addr, err := netip.ParseAddrPort(peer); err != nil || !trusted[0].Contains(addr.Addr().Unmap()) {
			if got != untrusted {
				t.Fatalf("untrusted peer %q: X-Forwarded-For %q made the client %q", peer, xff, got)
			}
		}
		// The client is the peer or an address the header names, never anything else.
		if got == untrusted {
			return
		}
		for _, entry := range strings.Split(xff, ",") {
			if addr, ok := parseForwardedEntry(entry); ok && addressKey(addr) == got {
				return
			}
		}
		t.Fatalf("clientAddress(%q, %q) = %q: neither the peer nor an entry of the header", peer, xff, got)
	})
}
