package linefake

import "time"

// rateLimiter counts a channel's accepted requests per endpoint over the last second (a
// sliding window, so the fake clock decides exactly when room frees up). The zero value
// is ready; callers hold Server.mu.
type rateLimiter struct {
	recent map[Endpoint][]time.Time
}

// allow reports whether one more request to the endpoint fits under perSecond, and if
// so counts it. A limit of zero or less never refuses.
func (l *rateLimiter) allow(e Endpoint, perSecond int, now time.Time) bool {
	if perSecond <= 0 {
		return true
	}
	if l.recent == nil {
		l.recent = make(map[Endpoint][]time.Time)
	}
	window := l.recent[e]
	cutoff := now.Add(-time.Second)
	drop := 0
	for drop < len(window) && !window[drop].After(cutoff) {
		drop++
	}
	window = window[drop:]
	if len(window) >= perSecond {
		l.recent[e] = window
		return false
	}
	l.recent[e] = append(window, now)
	return true
}
