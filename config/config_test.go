package config_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumoworkflows/lumo/config"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestLoad_DefaultsMatchTheContract(t *testing.T) {
	cfg, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"HTTPAddr", cfg.HTTPAddr, "127.0.0.1:8080"},
		{"TemporalAddr", cfg.TemporalAddr, "127.0.0.1:7233"},
		{"TemporalUIAddr", cfg.TemporalUIAddr, "127.0.0.1:8233"},
		{"LineAPIURL", cfg.LineAPIURL, "https://api.line.me"},
		{"LineDataAPIURL", cfg.LineDataAPIURL, "https://api-data.line.me"},
		{"PublicURL", cfg.PublicURL, "http://127.0.0.1:8080"},
		{"DatabaseURL", cfg.DatabaseURL, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.HTTPBodyLimit != 1<<20 {
		t.Errorf("HTTPBodyLimit = %d, want 1 MiB", cfg.HTTPBodyLimit)
	}
	if cfg.WebhookDedupeRetention != 7*24*time.Hour {
		t.Errorf("WebhookDedupeRetention = %s", cfg.WebhookDedupeRetention)
	}
	if cfg.MaxNodeVisits != 1000 || cfg.ReplyTokenWindow != 50*time.Second || cfg.LineTimeout != 10*time.Second {
		t.Errorf("MaxNodeVisits = %d, ReplyTokenWindow = %s, LineTimeout = %s", cfg.MaxNodeVisits, cfg.ReplyTokenWindow, cfg.LineTimeout)
	}
	if cfg.QRFollowWindow != 3*time.Minute {
		t.Errorf("QRFollowWindow = %s", cfg.QRFollowWindow)
	}
	if cfg.MaxWorkflows != 100 || cfg.MaxNodes != 100 || cfg.MaxDefinitionBytes != 400*1024 {
		t.Errorf("limits = %d workflows, %d nodes, %d bytes", cfg.MaxWorkflows, cfg.MaxNodes, cfg.MaxDefinitionBytes)
	}
	if cfg.SecretKey != nil || cfg.UsesPostgres() {
		t.Error("no secret key and SQLite by default")
	}
}

func TestLoad_ReadsSettings(t *testing.T) {
	cfg, err := config.Load(env(map[string]string{
		"LUMO_HTTP_ADDR":    "0.0.0.0:9000",
		"DATABASE_URL":      "postgres://u@db/lumo",
		"LUMO_SECRET_KEY":   strings.Repeat("ab", 32),
		"LUMO_DEV_API_KEY":  " " + devKey + " ",
		"LUMO_LINE_API_URL": "http://127.0.0.1:9999/",
		"LUMO_PUBLIC_URL":   "https://lumo.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "0.0.0.0:9000" || !cfg.UsesPostgres() || len(cfg.SecretKey) != 32 ||
		cfg.DevAPIKey != devKey || cfg.LineAPIURL != "http://127.0.0.1:9999" || cfg.PublicURL != "https://lumo.example.com" {
		t.Fatalf("cfg = %+v", cfg)
	}
}

// devKey is a LUMO_DEV_API_KEY long enough to be accepted.
const devKey = "dev-key-0123456789abcdefghijklmnop"

func TestLoad_DevAPIKeyNeedsAtLeast32Characters(t *testing.T) {
	cases := []struct {
		name, value string
		ok          bool
	}{
		{"unset: lumo dev generates one", "", true},
		{"32 characters", strings.Repeat("k", 32), true},
		{"the example key", devKey, true},
		{"31 characters", strings.Repeat("k", 31), false},
		{"one character", "k", false},
		{"31 characters and spaces around", "  " + strings.Repeat("k", 31) + "  ", false},
		{"32 characters of 2 bytes each count as 32", strings.Repeat("é", 32), true},
		{"31 characters of 2 bytes each are too few", strings.Repeat("é", 31), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := config.Load(env(map[string]string{"LUMO_DEV_API_KEY": c.value}))
			if c.ok {
				if err != nil || cfg.DevAPIKey != strings.TrimSpace(c.value) {
					t.Fatalf("DevAPIKey = %q, %v; want it accepted", cfg.DevAPIKey, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("a %d-character LUMO_DEV_API_KEY was accepted", len([]rune(strings.TrimSpace(c.value))))
			}
			if !strings.Contains(err.Error(), "LUMO_DEV_API_KEY") || !strings.Contains(err.Error(), "at least 32 characters") {
				t.Errorf("error does not say what LUMO_DEV_API_KEY needs: %v", err)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(c.value)) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

// FuzzLoad_DevAPIKey: any LUMO_DEV_API_KEY is either taken (trimmed, 32 characters or
// more) or refused by an error that names the variable and tells nothing of the key but its length.
func FuzzLoad_DevAPIKey(f *testing.F) {
	for _, seed := range []string{"", "k", devKey, strings.Repeat("é", 31), " \t" + devKey + "\n", strings.Repeat("x", 31)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		cfg, err := config.Load(env(map[string]string{"LUMO_DEV_API_KEY": value}))
		key := strings.TrimSpace(value)
		if err == nil {
			if cfg.DevAPIKey != key || (key != "" && utf8.RuneCountInString(key) < 32) {
				t.Fatalf("accepted %q as %q", value, cfg.DevAPIKey)
			}
			return
		}
		if !strings.Contains(err.Error(), "LUMO_DEV_API_KEY") {
			t.Fatalf("error does not name LUMO_DEV_API_KEY: %v", err)
		}
		// The error says how long the key is, nothing else of it: another key of that
		// length gets the same words.
		_, same := config.Load(env(map[string]string{"LUMO_DEV_API_KEY": strings.Repeat("x", utf8.RuneCountInString(key))}))
		if same == nil || same.Error() != err.Error() {
			t.Fatalf("the error depends on the key's characters:\n%v\n%v", err, same)
		}
	})
}

func TestLoad_ReportsEveryBadSettingAtOnce(t *testing.T) {
	_, err := config.Load(env(map[string]string{
		"LUMO_HTTP_ADDR":                "8080",
		"LUMO_HTTP_BODY_LIMIT":          "-1",
		"LUMO_SECRET_KEY":               "short",
		"LUMO_LOG_LEVEL":                "loud",
		"LUMO_SHUTDOWN_TIMEOUT":         "soon",
		"LUMO_PUBLIC_URL":               "lumo.example.com",
		"LUMO_WEBHOOK_DEDUPE_RETENTION": "1m",
		"LUMO_MAX_NODES":                "lots",
		"LUMO_MAX_NODE_VISITS":          "0",
		"LUMO_REPLY_TOKEN_WINDOW":       "5m",
		"LUMO_LINE_TIMEOUT":             "1m",
		"LUMO_QR_FOLLOW_WINDOW":         "2h",
	}))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"LUMO_HTTP_ADDR", "LUMO_HTTP_BODY_LIMIT", "LUMO_SECRET_KEY", "LUMO_LOG_LEVEL", "LUMO_SHUTDOWN_TIMEOUT", "LUMO_PUBLIC_URL", "LUMO_WEBHOOK_DEDUPE_RETENTION", "LUMO_MAX_NODES", "LUMO_MAX_NODE_VISITS", "LUMO_REPLY_TOKEN_WINDOW", "LUMO_LINE_TIMEOUT", "LUMO_QR_FOLLOW_WINDOW"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestParseSecretKey(t *testing.T) {
	cases := []struct {
		raw string
		ok  bool
	}{
		{strings.Repeat("0f", 32), true},
		{"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true},
		{"3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true},
		{strings.Repeat("0f", 16), false},
		{"not a key", false},
		{"", false},
	}
	for _, c := range cases {
		key, err := config.ParseSecretKey(c.raw)
		if (err == nil) != c.ok || (c.ok && len(key) != 32) {
			t.Errorf("ParseSecretKey(%q) = %d bytes, %v; want ok=%v", c.raw, len(key), err, c.ok)
		}
	}
}

func TestLoad_BroadcastRate(t *testing.T) {
	cases := []struct {
		value string
		want  int
		ok    bool
	}{
		{"", 10, true},
		{"0", 0, true},
		{"1", 1, true},
		{"2000", 2000, true},
		{"2001", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"fast", 0, false},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			cfg, err := config.Load(env(map[string]string{"LUMO_BROADCAST_RATE": c.value}))
			if !c.ok {
				if err == nil || !strings.Contains(err.Error(), "LUMO_BROADCAST_RATE") {
					t.Fatalf("err = %v, want one naming LUMO_BROADCAST_RATE", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.BroadcastRate != c.want {
				t.Fatalf("BroadcastRate = %d, want %d", cfg.BroadcastRate, c.want)
			}
		})
	}
}
