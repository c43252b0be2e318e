package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RateLimit is a token bucket: a client may send Burst requests at once, and the bucket
// refills at PerSecond. Off means no limit at all. Written in settings as
// "<number>/<s|m|h>[,burst=<n>]", e.g. "20/s,burst=40" or "600/m", or "off".
type RateLimit struct {
	PerSecond float64
	Burst     int
	Off       bool
}

// Bounds of a rate limit. The lowest rate keeps Retry-After within an hour; above the
// highest a limit does nothing a process could notice, and "off" says so more plainly.
const (
	minRatePerSecond = 1.0 / 3600
	maxRatePerSecond = 1e6
	maxBurst         = 1_000_000
)

// String writes the limit so that ParseRateLimit reads it back unchanged.
func (r RateLimit) String() string {
	if r.Off {
		return "off"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64) + "/s,burst=" + strconv.Itoa(r.Burst)
}

// ParseRateLimit reads "20/s", "20/s,burst=40", "600/m,burst=50", "1/h" or "off". Without
// a burst the bucket holds one second's worth of requests (at least one).
func ParseRateLimit(raw string) (RateLimit, error) {
	raw = strings.TrimSpace(raw)
	if strings.EqualFold(raw, "off") {
		return RateLimit{Off: true}, nil
	}
	ratePart, burstPart, hasBurst := strings.Cut(raw, ",")
	count, unit, ok := strings.Cut(strings.TrimSpace(ratePart), "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("%q: want <number>/<s|m|h>[,burst=<n>], e.g. 20/s,burst=40, or off", raw)
	}
	n, err := parseDecimal(strings.TrimSpace(count))
	if err != nil {
		return RateLimit{}, fmt.Errorf("%q: %q is not a number such as 20 or 2.5", raw, count)
	}
	var seconds float64
	switch strings.TrimSpace(unit) {
	case "s":
		seconds = 1
	case "m":
		seconds = 60
	case "h":
		seconds = 3600
	default:
		return RateLimit{}, fmt.Errorf("%q: the unit after / must be s, m or h", raw)
	}
	limit := RateLimit{PerSecond: n / seconds}
	if limit.PerSecond < minRatePerSecond {
		return RateLimit{}, fmt.Errorf("%q: the rate must be at least 1/h", raw)
	}
	if limit.PerSecond > maxRatePerSecond {
		return RateLimit{}, fmt.Errorf("%q: the rate must be at most 1000000/s (use off for no limit)", raw)
	}
	limit.Burst = max(1, int(math.Ceil(limit.PerSecond)))
	if hasBurst {
		if limit.Burst, err = parseBurst(burstPart); err != nil {
			return RateLimit{}, fmt.Errorf("%q: %w", raw, err)
		}
	}
	return limit, nil
}

// parseDecimal accepts plain decimals only ("20", "2.5"): no signs, exponents, hex or
// infinities, which strconv.ParseFloat would take.
func parseDecimal(s string) (float64, error) {
	if s == "" || strings.Trim(s, "0123456789.") != "" {
		return 0, errors.New("not a decimal")
	}
	return strconv.ParseFloat(s, 64)
}

func parseBurst(part string) (int, error) {
	name, value, ok := strings.Cut(part, "=")
	if !ok || strings.TrimSpace(name) != "burst" {
		return 0, errors.New("after the rate, want burst=<n>")
	}
	value = strings.TrimSpace(value)
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || n > maxBurst || strings.Trim(value, "0123456789") != "" {
		return 0, fmt.Errorf("burst=%s: want a whole number from 1 to %d", value, maxBurst)
	}
	return n, nil
}

// RateLimits are the API's request limits. Each limit is a token bucket per API key or
// per client address, kept in the process's memory (replicas count apart).
type RateLimits struct {
	// APIPerKey limits each API key on /v1, after authentication
	// (LUMO_RATE_LIMIT_API_PER_KEY).
	APIPerKey RateLimit
	// APIPerClient limits each client address on /v1 before authentication, so a flood
	// of bad keys is throttled too (LUMO_RATE_LIMIT_API_PER_CLIENT).
	APIPerClient RateLimit
	// QRPerClient limits each client address on the public QR scan links /q/{id}
	// (LUMO_RATE_LIMIT_QR_PER_CLIENT).
	QRPerClient RateLimit
	// WebhooksPerClient limits each client address on /webhooks/...
	// (LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT). LINE delivers every account's events from
	// a few addresses of its own, hence the high default.
	WebhooksPerClient RateLimit
}

// OrDefaults returns the limits with every zero RateLimit replaced by its default, so
// that a Config built by hand (in tests) is limited as a loaded one is unless it says
// otherwise.
func (r RateLimits) OrDefaults() RateLimits {
	fill := func(limit *RateLimit, name string) {
		if *limit != (RateLimit{}) {
			return
		}
		parsed, err := ParseRateLimit(defaults[name])
		if err != nil {
			panic(fmt.Sprintf("config: the default of %s: %v", name, err)) // TestLoad_RateLimits reads every default
		}
		*limit = parsed
	}
	fill(&r.APIPerKey, "LUMO_RATE_LIMIT_API_PER_KEY")
	fill(&r.APIPerClient, "LUMO_RATE_LIMIT_API_PER_CLIENT")
	fill(&r.QRPerClient, "LUMO_RATE_LIMIT_QR_PER_CLIENT")
	fill(&r.WebhooksPerClient, "LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT")
	return r
}
