package definition

import "time"

// MaxDelay is the longest single delay: 90 days covers every campaign rhythm we know
// (a quarterly follow-up); longer waits are chains of delays, which keeps a mistyped
// "8760h" from parking a friend for a year unnoticed.
const MaxDelay = 90 * 24 * time.Hour

// Delay waits, then goes on.
//
//	{"id": "later", "type": "delay", "duration": "24h", "next": "coupon"}
type Delay struct {
	NodeBase
	// Duration is a Go duration from 1s to 2160h (90 days).
	Duration string `json:"duration,omitempty" validate:"required,duration=2160h"`
}

func (n *Delay) Outlets() []Outlet { return []Outlet{n.next()} }

// DurationValue is Duration as a time.Duration (0 when it does not parse).
func (n *Delay) DurationValue() time.Duration { return durationOr(n.Duration, 0) }

func (n *Delay) check(*checker, string) {}

// durationOr parses a Go duration, or returns fallback for "" and for text that does
// not parse (which validation has reported).
func durationOr(s string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && s != "" {
		return d
	}
	return fallback
}
