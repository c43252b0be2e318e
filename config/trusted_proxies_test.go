package config_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

func TestParseTrustedProxies(t *testing.T) {
	cases := []struct {
		raw     string
		want    string // FormatTrustedProxies of the result
		problem string // part of the error; "" when raw is valid
	}{
		{raw: "", want: ""},
		{raw: " , ", want: ""},
		{raw: "10.0.0.0/8", want: "10.0.0.0/8"},
		{raw: "192.0.2.7", want: "192.0.2.7/32"},
		{raw: "::1, 2001:db8::/32", want: "::1/128,2001:db8::/32"},
		{raw: "::ffff:192.0.2.7", want: "192.0.2.7/32"},
		{raw: "10.1.2.3/8", want: "10.0.0.0/8"},
		{raw: "proxy.internal", problem: `"proxy.internal"`},
		{raw: "10.0.0.0/33", problem: `"10.0.0.0/33"`},
		{raw: "fe80::1%eth0", problem: "zone"},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			got, err := config.ParseTrustedProxies(c.raw)
			if c.problem != "" {
				if err == nil || !strings.Contains(err.Error(), c.problem) {
					t.Fatalf("ParseTrustedProxies(%q) = %v, %v; want an error about %s", c.raw, got, err, c.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := config.FormatTrustedProxies(got); s != c.want {
				t.Fatalf("ParseTrustedProxies(%q) = %s, want %s", c.raw, s, c.want)
			}
		})
	}
}

func FuzzParseTrustedProxies(f *testing.F) {
	for _, seed := range []string{"", "10.0.0.0/8", "192.0.2.7, ::1", "::ffff:10.0.0.1/104", "a,b", "1.2.3.4/0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		proxies, err := config.ParseTrustedProxies(raw)
		if err != nil {
			return
		}
		for _, p := range proxies {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParseTrustedProxies(%q) holds %v: not a plain masked prefix", raw, p)
			}
		}
		again, err := config.ParseTrustedProxies(config.FormatTrustedProxies(proxies))
		if err != nil || !equalPrefixes(again, proxies) {
			t.Fatalf("ParseTrustedProxies(%q) = %v, printed and parsed back as %v, %v", raw, proxies, again, err)
		}
	})
}

func equalPrefixes(a, b []netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
