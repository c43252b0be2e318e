package egress

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseAllowList_ReadsHostsAddressesAndNetworks(t *testing.T) {
	allow, err := ParseAllowList(" billing.corp.example, 10.20.0.0/16 ,192.168.1.7, fd00::/8,, [::1] , Localhost. ")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host string
		want bool
	}{
		{"billing.corp.example", true},
		{"BILLING.corp.example", true},
		{"localhost", true},
		{"other.corp.example", false},
		{"corp.example", false},
		{"x.billing.corp.example", false},
	}
	for _, tc := range cases {
		if got := allow.allowsName(tc.host); got != tc.want {
			t.Errorf("allowsName(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	addrs := []struct {
		addr string
		want bool
	}{
		{"10.20.3.4", true},
		{"10.21.0.1", false},
		{"192.168.1.7", true},
		{"192.168.1.8", false},
		{"::ffff:10.20.0.1", true},
		{"fd12::1", true},
		{"fe80::1", false},
		{"::1", true},
		{"127.0.0.1", false},
	}
	for _, tc := range addrs {
		if got := allow.allowsAddr(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("allowsAddr(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestParseAllowList_NamesTheBadEntry(t *testing.T) {
	for _, bad := range []string{
		"https://billing.corp.example",
		"billing.corp.example:8443",
		"10.0.0.0/33",
		"10.0.0.1/8x",
		"*.corp.example",
		"bad host",
		"under_score.example",
		"-dash.example",
		"fe80::1%eth0",
	} {
		_, err := ParseAllowList("ok.example," + bad)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseAllowList(%q) = %v, want an error naming it", bad, err)
		}
	}
	if allow, err := ParseAllowList(" , "); err != nil || !allow.IsEmpty() {
		t.Errorf("an empty list: %+v, %v", allow, err)
	}
}

// FuzzParseAllowList checks that any setting either fails with a message that names it
// or yields a list whose String reads back as the same list.
func FuzzParseAllowList(f *testing.F) {
	for _, seed := range []string{"", "localhost", "10.0.0.0/8,fd00::/8", "a.example, 192.168.0.1", "[::1]", "1.2.3.4/0", "x..y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, setting string) {
		allow, err := ParseAllowList(setting)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "entry ") {
				t.Fatalf("ParseAllowList(%q): error %q does not name the entry", setting, err)
			}
			return
		}
		again, err := ParseAllowList(allow.String())
		if err != nil || again.String() != allow.String() {
			t.Fatalf("ParseAllowList(%q).String() = %q reads back as %q, %v", setting, allow.String(), again.String(), err)
		}
	})
}
