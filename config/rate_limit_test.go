package config_test

import (
	"math"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

func TestParseRateLimit(t *testing.T) {
	cases := []struct {
		raw     string
		want    config.RateLimit
		problem string // part of the error; "" when raw is valid
	}{
		{raw: "20/s", want: config.RateLimit{PerSecond: 20, Burst: 20}},
		{raw: "20/s,burst=40", want: config.RateLimit{PerSecond: 20, Burst: 40}},
		{raw: " 20/s , burst = 40 ", want: config.RateLimit{PerSecond: 20, Burst: 40}},
		{raw: "600/m,burst=50", want: config.RateLimit{PerSecond: 10, Burst: 50}},
		{raw: "2.5/s", want: config.RateLimit{PerSecond: 2.5, Burst: 3}},
		{raw: "30/m", want: config.RateLimit{PerSecond: 0.5, Burst: 1}},
		{raw: "1/h", want: config.RateLimit{PerSecond: 1.0 / 3600, Burst: 1}},
		{raw: "off", want: config.RateLimit{Off: true}},
		{raw: "OFF", want: config.RateLimit{Off: true}},
		{raw: "", problem: "want"},
		{raw: "20", problem: "want"},
		{raw: "20/d", problem: "unit"},
		{raw: "0/s", problem: "at least"},
		{raw: "-1/s", problem: "number"},
		{raw: "1e3/s", problem: "number"},
		{raw: "inf/s", problem: "number"},
		{raw: "NaN/s", problem: "number"},
		{raw: "1/2h", problem: "unit"},
		{raw: "0.5/h", problem: "at least"},
		{raw: "2000000/s", problem: "at most"},
		{raw: "20/s,burst=0", problem: "burst"},
		{raw: "20/s,burst=-3", problem: "burst"},
		{raw: "20/s,burst=2.5", problem: "burst"},
		{raw: "20/s,burst=2000001", problem: "burst"},
		{raw: "20/s,bust=40", problem: "burst"},
		{raw: "20/s,burst=40,burst=50", problem: "burst"},
		{raw: "off,burst=4", problem: "want"},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			got, err := config.ParseRateLimit(c.raw)
			if c.problem != "" {
				if err == nil || !strings.Contains(err.Error(), c.problem) {
					t.Fatalf("ParseRateLimit(%q) = %+v, %v; want an error about %q", c.raw, got, err, c.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("ParseRateLimit(%q) = %+v, want %+v", c.raw, got, c.want)
			}
		})
	}
}

func TestRateLimit_StringParsesBack(t *testing.T) {
	for _, limit := range []config.RateLimit{
		{Off: true},
		{PerSecond: 20, Burst: 40},
		{PerSecond: 1.0 / 3600, Burst: 1},
		{PerSecond: 1e6, Burst: 1e6},
	} {
		got, err := config.ParseRateLimit(limit.String())
		if err != nil || got != limit {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", limit.String(), got, err, limit)
		}
	}
}

func FuzzParseRateLimit(f *testing.F) {
	for _, seed := range []string{"20/s", "20/s,burst=40", "600/m,burst=5", "1/h", "off", "", "0.0000001/s", "1/s,burst=", "9999999999999999999/s"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		limit, err := config.ParseRateLimit(raw)
		if err != nil {
			return
		}
		if !limit.Off {
			if math.IsNaN(limit.PerSecond) || limit.PerSecond < 1.0/3600 || limit.PerSecond > 1e6 || limit.Burst < 1 || limit.Burst > 1e6 {
				t.Fatalf("ParseRateLimit(%q) = %+v: out of bounds", raw, limit)
			}
		}
		again, err := config.ParseRateLimit(limit.String())
		if err != nil || again != limit {
			t.Fatalf("ParseRateLimit(%q) = %+v, printed %q, parsed back as %+v, %v", raw, limit, limit.String(), again, err)
		}
	})
}

func TestRateLimits_OrDefaultsFillsOnlyZeroLimits(t *testing.T) {
	mine := config.RateLimit{PerSecond: 1, Burst: 1}
	got := config.RateLimits{APIPerKey: mine, QRPerClient: config.RateLimit{Off: true}}.OrDefaults()
	loaded, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := loaded.RateLimits
	want.APIPerKey, want.QRPerClient = mine, config.RateLimit{Off: true}
	if got != want {
		t.Fatalf("OrDefaults = %+v, want %+v", got, want)
	}
}

func TestLoad_RateLimits(t *testing.T) {
	cfg, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defaults := config.RateLimits{
		APIPerKey:         config.RateLimit{PerSecond: 100, Burst: 200},
		APIPerClient:      config.RateLimit{PerSecond: 200, Burst: 400},
		QRPerClient:       config.RateLimit{PerSecond: 50, Burst: 100},
		WebhooksPerClient: config.RateLimit{PerSecond: 1000, Burst: 2000},
	}
	if cfg.RateLimits != defaults {
		t.Errorf("default RateLimits = %+v, want %+v", cfg.RateLimits, defaults)
	}
	if len(cfg.TrustedProxies) != 0 {
		t.Errorf("default TrustedProxies = %v, want none", cfg.TrustedProxies)
	}

	cfg, err = config.Load(env(map[string]string{
		"LUMO_RATE_LIMIT_API_PER_KEY":         "5/s,burst=10",
		"LUMO_RATE_LIMIT_API_PER_CLIENT":      "off",
		"LUMO_RATE_LIMIT_QR_PER_CLIENT":       "60/m",
		"LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT": "300/s,burst=300",
		"LUMO_TRUSTED_PROXIES":                "10.0.0.0/8, 192.0.2.7",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := config.RateLimits{
		APIPerKey:         config.RateLimit{PerSecond: 5, Burst: 10},
		APIPerClient:      config.RateLimit{Off: true},
		QRPerClient:       config.RateLimit{PerSecond: 1, Burst: 1},
		WebhooksPerClient: config.RateLimit{PerSecond: 300, Burst: 300},
	}
	if cfg.RateLimits != want {
		t.Errorf("RateLimits = %+v, want %+v", cfg.RateLimits, want)
	}
	if got := config.FormatTrustedProxies(cfg.TrustedProxies); got != "10.0.0.0/8,192.0.2.7/32" {
		t.Errorf("TrustedProxies = %s", got)
	}
}

func TestLoad_BadRateLimitsAndProxiesAreNamed(t *testing.T) {
	vars := map[string]string{
		"LUMO_RATE_LIMIT_API_PER_KEY":         "fast",
		"LUMO_RATE_LIMIT_API_PER_CLIENT":      "0/s",
		"LUMO_RATE_LIMIT_QR_PER_CLIENT":       "10/s,burst=0",
		"LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT": "10/day",
		"LUMO_TRUSTED_PROXIES":                "10.0.0.0/8,proxy.internal",
	}
	_, err := config.Load(env(vars))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for name := range vars {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}
