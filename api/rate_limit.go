package api

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
)

// CodeRateLimited is the error code of a 429: the client sent more than its limit and
// may try again after the response's Retry-After seconds.
const CodeRateLimited = "rate_limited"

// maxBucketsPerLimit bounds each limit's memory. Buckets that have filled up again are
// dropped as they are passed over; past this many at once (a flood from many addresses),
// the least recently used go first. About 200 bytes a bucket: at most some 13 MiB a limit.
const maxBucketsPerLimit = 65536

// rateLimiter holds the API's token buckets: per API key on /v1, and per client address
// on /v1, the QR scan links and the webhooks. The buckets live in this process, so each
// replica of `lumo api` counts on its own. /healthz, /readyz and /openapi.json are not
// limited: probes and tooling must always get through.
type rateLimiter struct {
	apiPerKey         *bucketSet // nil: no limit
	apiPerClient      *bucketSet
	qrPerClient       *bucketSet
	webhooksPerClient *bucketSet
	trustedProxies    []netip.Prefix
	now               func() time.Time
}

// newRateLimiter sets up the limits; zero limits get their defaults, as in a Config
// built by hand.
func newRateLimiter(limits config.RateLimits, trustedProxies []netip.Prefix, now func() time.Time) *rateLimiter {
	if now == nil {
		now = time.Now
	}
	limits = limits.OrDefaults()
	return &rateLimiter{
		apiPerKey:         newBucketSet(limits.APIPerKey, maxBucketsPerLimit),
		apiPerClient:      newBucketSet(limits.APIPerClient, maxBucketsPerLimit),
		qrPerClient:       newBucketSet(limits.QRPerClient, maxBucketsPerLimit),
		webhooksPerClient: newBucketSet(limits.WebhooksPerClient, maxBucketsPerLimit),
		trustedProxies:    trustedProxies,
		now:               now,
	}
}

// perClient limits each client address. It runs before authentication, so that a
// client trying keys is throttled like any other.
func (l *rateLimiter) perClient() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var buckets *bucketSet
			switch {
			case needsAPIKey(c):
				buckets = l.apiPerClient
			case pathUnder(c, "/q"):
				buckets = l.qrPerClient
			case pathUnder(c, "/webhooks"):
				buckets = l.webhooksPerClient
			}
			if buckets == nil {
				return next(c)
			}
			if wait, ok := buckets.take(clientAddress(c.Request(), l.trustedProxies), l.now()); !ok {
				return rateLimited(c, wait, "from this address")
			}
			return next(c)
		}
	}
}

// perAPIKey limits each API key; it runs after requireAPIKey, which puts the key in the
// request context. Each key has its own bucket, so one integration's burst does not
// hold up another key of the same workspace.
func (l *rateLimiter) perAPIKey() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key, ok := c.Request().Context().Value(apiKeyContextKey{}).(models.APIKey)
			if !ok || l.apiPerKey == nil {
				return next(c)
			}
			if wait, ok := l.apiPerKey.take(key.ID, l.now()); !ok {
				return rateLimited(c, wait, "with this API key")
			}
			return next(c)
		}
	}
}

// pathUnder is true when the matched route, or the requested path, is prefix or below
// it (as needsAPIKey decides for /v1).
func pathUnder(c echo.Context, prefix string) bool {
	under := func(path string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }
	return under(c.Path()) || under(c.Request().URL.Path)
}

// rateLimited is the 429: Retry-After in whole seconds, at least 1, rounded up so that
// a client that waits that long finds a token.
func rateLimited(c echo.Context, wait time.Duration, from string) *Error {
	seconds := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(seconds))
	return &Error{
		Status:  http.StatusTooManyRequests,
		Code:    CodeRateLimited,
		Message: fmt.Sprintf("too many requests %s; retry after %d s", from, seconds),
	}
}

// bucketSet is one limit's token buckets by key, most recently used first.
type bucketSet struct {
	limit    config.RateLimit
	capacity int

	mu     sync.Mutex
	byKey  map[string]*list.Element // of *bucket
	recent list.List                // front: the bucket used last
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time // when tokens was counted
}

// newBucketSet returns nil for a limit that is off, which limits nothing.
func newBucketSet(limit config.RateLimit, capacity int) *bucketSet {
	if limit.Off {
		return nil
	}
	return &bucketSet{limit: limit, capacity: capacity, byKey: make(map[string]*list.Element)}
}

// take spends one of key's tokens at now. Without one it spends nothing and says how
// long until the next.
func (s *bucketSet) take(key string, now time.Time) (wait time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b *bucket
	if el, found := s.byKey[key]; found {
		s.recent.MoveToFront(el)
		b = el.Value.(*bucket)
		b.tokens = s.tokensAt(b, now)
		if now.After(b.at) {
			b.at = now
		}
	} else {
		b = &bucket{key: key, tokens: float64(s.limit.Burst), at: now}
		s.byKey[key] = s.recent.PushFront(b)
	}
	s.evict(now)
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / s.limit.PerSecond * float64(time.Second)), false
}

// tokensAt is what b holds at now: refilled since it was counted, up to the burst. A
// clock that stepped back refills nothing.
func (s *bucketSet) tokensAt(b *bucket, now time.Time) float64 {
	elapsed := now.Sub(b.at).Seconds()
	if elapsed <= 0 {
		return b.tokens
	}
	return math.Min(float64(s.limit.Burst), b.tokens+elapsed*s.limit.PerSecond)
}

// evict drops, from the least recently used end, buckets that are full again (a full
// bucket and a missing one answer alike), and then any beyond the capacity. The bucket
// in use is at the front and never dropped; each bucket is dropped once, so the work is
// constant on average.
func (s *bucketSet) evict(now time.Time) {
	for s.recent.Len() > 1 {
		oldest := s.recent.Back()
		b := oldest.Value.(*bucket)
		if s.recent.Len() <= s.capacity && s.tokensAt(b, now) < float64(s.limit.Burst) {
			return
		}
		s.recent.Remove(oldest)
		delete(s.byKey, b.key)
	}
}

// len is how many buckets are kept.
func (s *bucketSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recent.Len()
}
