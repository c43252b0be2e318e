package activities

import (
	"testing"
	"time"
)

// The pacer is checked on a clock the test moves: each request may start one interval
// after the one before, and a slow request earns the next no burst.
func TestPacer_SpacesRequestsAtTheRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type call struct {
		at   time.Duration // after t0
		wait time.Duration
	}
	cases := []struct {
		name  string
		rate  int
		calls []call
	}{
		{"no limit", 0, []call{{0, 0}, {0, 0}, {time.Millisecond, 0}}},
		{"ten a second, asked back to back", 10, []call{{0, 0}, {0, 100 * time.Millisecond}, {100 * time.Millisecond, 100 * time.Millisecond}}},
		{"a slow request earns no burst", 10, []call{{0, 0}, {250 * time.Millisecond, 0}, {260 * time.Millisecond, 90 * time.Millisecond}}},
		{"one a second", 1, []call{{0, 0}, {10 * time.Millisecond, 990 * time.Millisecond}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPacer(c.rate)
			for i, call := range c.calls {
				if got := p.delay(t0.Add(call.at)); got != call.wait {
					t.Fatalf("request %d at +%s waits %s, want %s", i, call.at, got, call.wait)
				}
			}
		})
	}
}
