// Package config holds Lumo's settings: one struct, filled from the environment in one
// place, so that every setting is documented in the README table and in .env.example and
// read nowhere else.
package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumoworkflows/lumo/internal/egress"
)

// Config is every setting Lumo reads. The zero value is not useful; call Load.
type Config struct {
	// HTTPAddr is where the API listens (LUMO_HTTP_ADDR).
	HTTPAddr string
	// PublicURL is the base URL LINE and other services reach the API at, used to show
	// webhook URLs (LUMO_PUBLIC_URL; default http://<LUMO_HTTP_ADDR>).
	PublicURL string
	// HTTPBodyLimit caps request bodies in bytes (LUMO_HTTP_BODY_LIMIT).
	HTTPBodyLimit int64
	// ShutdownTimeout bounds a graceful stop (LUMO_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration

	// TemporalAddr is the Temporal frontend (LUMO_TEMPORAL_ADDR). Under `lumo dev` the
	// embedded server listens there.
	TemporalAddr string
	// TemporalNamespace is the namespace every run lives in (LUMO_TEMPORAL_NAMESPACE).
	TemporalNamespace string
	// TemporalTaskQueue is the queue the worker polls (LUMO_TEMPORAL_TASK_QUEUE).
	TemporalTaskQueue string
	// TemporalUIAddr is where `lumo dev` serves the Temporal Web UI (LUMO_TEMPORAL_UI_ADDR).
	TemporalUIAddr string

	// DataDir holds the embedded databases and the dev keys (LUMO_DATA_DIR).
	DataDir string
	// DatabaseURL names a PostgreSQL database; empty means SQLite in DataDir (DATABASE_URL).
	DatabaseURL string

	// SecretKey encrypts channel secrets and tokens at rest: 32 bytes (LUMO_SECRET_KEY,
	// base64 or hex). Under `lumo dev` a key is generated in DataDir when it is empty.
	SecretKey []byte
	// PreviousSecretKeys open values sealed before a key rotation but seal nothing: the
	// keys after the first in LUMO_SECRET_KEY, a comma-separated list.
	PreviousSecretKeys [][]byte

	// DevAPIKey is the dev workspace's API key under `lumo dev` (LUMO_DEV_API_KEY): empty,
	// or at least MinDevAPIKeyLength characters.
	DevAPIKey string

	// LineAPIURL and LineDataAPIURL are the LINE Messaging API's base URLs
	// (LUMO_LINE_API_URL, LUMO_LINE_DATA_API_URL).
	LineAPIURL     string
	LineDataAPIURL string
	// LineTimeout bounds one call to LINE (LUMO_LINE_TIMEOUT); a call that takes longer
	// is retried, with the same retry key, so it cannot send twice.
	LineTimeout time.Duration

	// WebhookDedupeRetention is how long webhook deliveries are remembered to drop
	// redeliveries (LUMO_WEBHOOK_DEDUPE_RETENTION).
	WebhookDedupeRetention time.Duration

	// MaxWorkflows is how many live (not archived) workflows a workspace may have
	// (LUMO_MAX_WORKFLOWS); MaxNodes and MaxDefinitionBytes bound one definition
	// (LUMO_MAX_NODES, LUMO_MAX_DEFINITION_BYTES).
	MaxWorkflows       int
	MaxNodes           int
	MaxDefinitionBytes int

	// MaxNodeVisits caps the node visits of one run, loops included
	// (LUMO_MAX_NODE_VISITS); ReplyTokenWindow is how old a LINE reply token may be and
	// still be used instead of a push (LUMO_REPLY_TOKEN_WINDOW, under LINE's minute).
	MaxNodeVisits    int
	ReplyTokenWindow time.Duration

	// QRFollowWindow is how long before a follow the account's only unclaimed QR code
	// scan may be made for the follow to be credited with it, when the friend sends no
	// scan code (LUMO_QR_FOLLOW_WINDOW).
	QRFollowWindow time.Duration
	// SendDataAllow opens internal addresses, which send_data steps may not reach
	// otherwise, for on-premise endpoints: host names and networks (LUMO_SEND_DATA_ALLOW,
	// comma-separated, e.g. "billing.corp.example,10.20.0.0/16").
	SendDataAllow egress.AllowList
	// BroadcastRate is how many LINE multicast requests (of up to 500 recipients) one
	// broadcast sends a second (LUMO_BROADCAST_RATE); 0 means as fast as LINE answers.
	BroadcastRate int

	// LogLevel is the app's log level (LUMO_LOG_LEVEL); TemporalLogLevel the embedded
	// server's (LUMO_TEMPORAL_LOG_LEVEL), quieter by default because it is chatty.
	LogLevel         string
	TemporalLogLevel string

	// RateLimits are the API's request limits (LUMO_RATE_LIMIT_*); TrustedProxies are
	// the peers whose X-Forwarded-For names the client (LUMO_TRUSTED_PROXIES; none: the
	// client is the TCP peer).
	RateLimits     RateLimits
	TrustedProxies []netip.Prefix
}

// Defaults are the values used when a variable is unset or empty.
var defaults = map[string]string{
	"LUMO_HTTP_ADDR":                "127.0.0.1:8080",
	"LUMO_HTTP_BODY_LIMIT":          "1048576",
	"LUMO_SHUTDOWN_TIMEOUT":         "15s",
	"LUMO_TEMPORAL_ADDR":            "127.0.0.1:7233",
	"LUMO_TEMPORAL_NAMESPACE":       "default",
	"LUMO_TEMPORAL_TASK_QUEUE":      "lumo",
	"LUMO_TEMPORAL_UI_ADDR":         "127.0.0.1:8233",
	"LUMO_DATA_DIR":                 ".lumo",
	"LUMO_LINE_API_URL":             "https://api.line.me",
	"LUMO_LINE_DATA_API_URL":        "https://api-data.line.me",
	"LUMO_LOG_LEVEL":                "info",
	"LUMO_TEMPORAL_LOG_LEVEL":       "warn",
	"LUMO_WEBHOOK_DEDUPE_RETENTION": "168h",
	"LUMO_MAX_WORKFLOWS":            "100",
	"LUMO_MAX_NODES":                "100",
	"LUMO_MAX_DEFINITION_BYTES":     "409600",
	"LUMO_MAX_NODE_VISITS":          "1000",
	"LUMO_REPLY_TOKEN_WINDOW":       "50s",
	"LUMO_LINE_TIMEOUT":             "10s",
	"LUMO_QR_FOLLOW_WINDOW":         "3m",
	"LUMO_BROADCAST_RATE":           "10",

	"LUMO_RATE_LIMIT_API_PER_KEY":         "100/s,burst=200",
	"LUMO_RATE_LIMIT_API_PER_CLIENT":      "200/s,burst=400",
	"LUMO_RATE_LIMIT_QR_PER_CLIENT":       "50/s,burst=100",
	"LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT": "1000/s,burst=2000",
}

// MaxBroadcastRate is the highest LUMO_BROADCAST_RATE: LINE's 2,000 requests a second
// per channel.
const MaxBroadcastRate = 2000

// MinDevAPIKeyLength is the fewest characters LUMO_DEV_API_KEY may have. The dev key
// opens the whole dev workspace, and a `lumo dev` API may listen beyond localhost: a
// short key can be guessed. (Generated keys are 41 characters.)
const MinDevAPIKeyLength = 32

// Load reads the configuration through getenv (os.Getenv in production, a map in tests)
// and reports every invalid setting at once.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return defaults[name]
	}
	var problems []error
	addr := func(name string) string {
		v := get(name)
		if _, _, err := net.SplitHostPort(v); err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: want host:port: %w", name, v, err))
		}
		return v
	}
	level := func(name string) string {
		v := strings.ToLower(get(name))
		switch v {
		case "debug", "info", "warn", "error":
		default:
			problems = append(problems, fmt.Errorf("%s=%q: want debug, info, warn or error", name, v))
		}
		return v
	}

	cfg := Config{
		HTTPAddr:          addr("LUMO_HTTP_ADDR"),
		TemporalAddr:      addr("LUMO_TEMPORAL_ADDR"),
		TemporalUIAddr:    addr("LUMO_TEMPORAL_UI_ADDR"),
		TemporalNamespace: get("LUMO_TEMPORAL_NAMESPACE"),
		TemporalTaskQueue: get("LUMO_TEMPORAL_TASK_QUEUE"),
		DataDir:           get("LUMO_DATA_DIR"),
		DatabaseURL:       get("DATABASE_URL"),
		DevAPIKey:         get("LUMO_DEV_API_KEY"),
		LineAPIURL:        strings.TrimRight(get("LUMO_LINE_API_URL"), "/"),
		LineDataAPIURL:    strings.TrimRight(get("LUMO_LINE_DATA_API_URL"), "/"),
		LogLevel:          level("LUMO_LOG_LEVEL"),
		TemporalLogLevel:  level("LUMO_TEMPORAL_LOG_LEVEL"),
	}

	cfg.PublicURL = strings.TrimRight(getenv("LUMO_PUBLIC_URL"), "/")
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.HTTPAddr
	} else if !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://") {
		problems = append(problems, fmt.Errorf("LUMO_PUBLIC_URL=%q: want an http:// or https:// URL", cfg.PublicURL))
	}

	limit, err := strconv.ParseInt(get("LUMO_HTTP_BODY_LIMIT"), 10, 64)
	if err != nil || limit <= 0 {
		problems = append(problems, fmt.Errorf("LUMO_HTTP_BODY_LIMIT=%q: want a positive number of bytes", get("LUMO_HTTP_BODY_LIMIT")))
	}
	cfg.HTTPBodyLimit = limit

	cfg.ShutdownTimeout, err = time.ParseDuration(get("LUMO_SHUTDOWN_TIMEOUT"))
	if err != nil || cfg.ShutdownTimeout <= 0 {
		problems = append(problems, fmt.Errorf("LUMO_SHUTDOWN_TIMEOUT=%q: want a positive duration such as 15s", get("LUMO_SHUTDOWN_TIMEOUT")))
	}

	cfg.WebhookDedupeRetention, err = time.ParseDuration(get("LUMO_WEBHOOK_DEDUPE_RETENTION"))
	if err != nil || cfg.WebhookDedupeRetention < time.Hour {
		problems = append(problems, fmt.Errorf("LUMO_WEBHOOK_DEDUPE_RETENTION=%q: want a duration of at least 1h", get("LUMO_WEBHOOK_DEDUPE_RETENTION")))
	}

	positive := func(name string) int {
		n, err := strconv.Atoi(get(name))
		if err != nil || n <= 0 {
			problems = append(problems, fmt.Errorf("%s=%q: want a positive whole number", name, get(name)))
		}
		return n
	}
	cfg.MaxWorkflows = positive("LUMO_MAX_WORKFLOWS")
	cfg.MaxNodes = positive("LUMO_MAX_NODES")
	cfg.MaxDefinitionBytes = positive("LUMO_MAX_DEFINITION_BYTES")
	cfg.MaxNodeVisits = positive("LUMO_MAX_NODE_VISITS")

	cfg.LineTimeout, err = time.ParseDuration(get("LUMO_LINE_TIMEOUT"))
	if err != nil || cfg.LineTimeout <= 0 || cfg.LineTimeout > 14*time.Second {
		problems = append(problems, fmt.Errorf("LUMO_LINE_TIMEOUT=%q: want a duration above 0 and at most 14s (a LINE step's attempt lasts 15s)", get("LUMO_LINE_TIMEOUT")))
	}

	cfg.ReplyTokenWindow, err = time.ParseDuration(get("LUMO_REPLY_TOKEN_WINDOW"))
	if err != nil || cfg.ReplyTokenWindow <= 0 || cfg.ReplyTokenWindow > time.Minute {
		problems = append(problems, fmt.Errorf("LUMO_REPLY_TOKEN_WINDOW=%q: want a duration above 0 and at most 1m (LINE's reply tokens last about a minute)", get("LUMO_REPLY_TOKEN_WINDOW")))
	}

	// At most the hour a scan's code lives: unclaimed scans older than that are pruned.
	cfg.QRFollowWindow, err = time.ParseDuration(get("LUMO_QR_FOLLOW_WINDOW"))
	if err != nil || cfg.QRFollowWindow <= 0 || cfg.QRFollowWindow > time.Hour {
		problems = append(problems, fmt.Errorf("LUMO_QR_FOLLOW_WINDOW=%q: want a duration above 0 and at most 1h", get("LUMO_QR_FOLLOW_WINDOW")))
	}

	// LINE allows 2,000 requests a second per channel; more than that only earns 429s.
	cfg.BroadcastRate, err = strconv.Atoi(get("LUMO_BROADCAST_RATE"))
	if err != nil || cfg.BroadcastRate < 0 || cfg.BroadcastRate > MaxBroadcastRate {
		problems = append(problems, fmt.Errorf("LUMO_BROADCAST_RATE=%q: want a whole number of requests a second from 0 (no limit) to %d (LINE's limit per channel)", get("LUMO_BROADCAST_RATE"), MaxBroadcastRate))
	}

	cfg.SendDataAllow, err = egress.ParseAllowList(getenv("LUMO_SEND_DATA_ALLOW"))
	if err != nil {
		problems = append(problems, fmt.Errorf("LUMO_SEND_DATA_ALLOW: %w", err))
	}

	if raw := get("LUMO_SECRET_KEY"); raw != "" {
		keys, keyProblems := parseSecretKeys(raw)
		for _, problem := range keyProblems {
			problems = append(problems, fmt.Errorf("LUMO_SECRET_KEY: %w", problem))
		}
		if len(keyProblems) == 0 {
			cfg.SecretKey, cfg.PreviousSecretKeys = keys[0], keys[1:]
		}
	}
	if err := checkLoopback("LUMO_TEMPORAL_UI_ADDR", cfg.TemporalUIAddr); err != nil {
		problems = append(problems, err)
	}
	rateLimit := func(name string) RateLimit {
		limit, err := ParseRateLimit(get(name))
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
		}
		return limit
	}
	cfg.RateLimits = RateLimits{
		APIPerKey:         rateLimit("LUMO_RATE_LIMIT_API_PER_KEY"),
		APIPerClient:      rateLimit("LUMO_RATE_LIMIT_API_PER_CLIENT"),
		QRPerClient:       rateLimit("LUMO_RATE_LIMIT_QR_PER_CLIENT"),
		WebhooksPerClient: rateLimit("LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT"),
	}
	if cfg.TrustedProxies, err = ParseTrustedProxies(get("LUMO_TRUSTED_PROXIES")); err != nil {
		problems = append(problems, fmt.Errorf("LUMO_TRUSTED_PROXIES: %w", err))
	}

	// The message gives the key's length only: errors are logged and printed.
	if n := utf8.RuneCountInString(cfg.DevAPIKey); n > 0 && n < MinDevAPIKeyLength {
		problems = append(problems, fmt.Errorf("LUMO_DEV_API_KEY: %d characters; want at least %d characters (generate one with `openssl rand -base64 32`, or leave it empty for lumo dev to generate one)", n, MinDevAPIKeyLength))
	}
	if cfg.TemporalNamespace == "" || cfg.TemporalTaskQueue == "" {
		problems = append(problems, errors.New("LUMO_TEMPORAL_NAMESPACE and LUMO_TEMPORAL_TASK_QUEUE must not be empty"))
	}
	return cfg, errors.Join(problems...)
}

// ParseSecretKey accepts a 32-byte key written as base64 (standard or URL alphabet) or hex.
func ParseSecretKey(raw string) ([]byte, error) {
	raw = strings.TrimSpace(raw)
	decoders := []func(string) ([]byte, error){
		hex.DecodeString,
		base64.StdEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString,
		base64.RawURLEncoding.DecodeString,
	}
	for _, decode := range decoders {
		if key, err := decode(raw); err == nil && len(key) == 32 {
			return key, nil
		}
	}
	return nil, errors.New("want 32 bytes as base64 or 64 hex digits (generate one with `openssl rand -base64 32`)")
}

// ParseSecretKeys reads LUMO_SECRET_KEY's list: comma-separated keys, each as
// ParseSecretKey takes it, the current key first. It names the position of every bad
// key (never the key itself) and refuses a key given twice.
func ParseSecretKeys(raw string) ([][]byte, error) {
	keys, problems := parseSecretKeys(raw)
	return keys, errors.Join(problems...)
}

func parseSecretKeys(raw string) ([][]byte, []error) {
	entries := strings.Split(raw, ",")
	position := func(i int) string {
		if len(entries) == 1 {
			return "the key"
		}
		return fmt.Sprintf("key %d of %d", i+1, len(entries))
	}
	var (
		keys      [][]byte
		positions []int // positions[k] is keys[k]'s place in the list, from 1
		problems  []error
	)
	for i, entry := range entries {
		if strings.TrimSpace(entry) == "" {
			problems = append(problems, fmt.Errorf("%s is empty", position(i)))
			continue
		}
		key, err := ParseSecretKey(entry)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", position(i), err))
			continue
		}
		for k, earlier := range keys {
			if bytes.Equal(earlier, key) {
				// Two spellings of one key would be one key in two places: a mistake.
				problems = append(problems, fmt.Errorf("%s is key %d again", position(i), positions[k]))
			}
		}
		keys, positions = append(keys, key), append(positions, i+1)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return keys, nil
}

// UsesPostgres tells whether the app's data lives in PostgreSQL rather than SQLite.
func (c Config) UsesPostgres() bool { return c.DatabaseURL != "" }
