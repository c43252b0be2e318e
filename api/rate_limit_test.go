package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// fakeClock is the rate limits' clock in these tests: time passes when the test says.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func withClock(c *fakeClock) option { return func(d *api.Deps) { d.Now = c.Now } }

func withRateLimits(limits config.RateLimits) option {
	return func(d *api.Deps) { d.Config.RateLimits = limits }
}

func withTrustedProxies(t *testing.T, raw string) option {
	proxies, err := config.ParseTrustedProxies(raw)
	if err != nil {
		t.Fatal(err)
	}
	return func(d *api.Deps) { d.Config.TrustedProxies = proxies }
}

// Every limit off but the ones a test names: the tests say which limit they exercise.
var off = config.RateLimit{Off: true}

func onlyLimits(limits config.RateLimits) config.RateLimits {
	for _, l := range []*config.RateLimit{&limits.APIPerKey, &limits.APIPerClient, &limits.QRPerClient, &limits.WebhooksPerClient} {
		if *l == (config.RateLimit{}) {
			*l = off
		}
	}
	return limits
}

// request is one request as a client at peer sends it, served in this process so that
// the peer address is the test's to choose.
type request struct {
	peer   string // host:port of the TCP peer; "" is 192.0.2.1:40000
	method string // "" is GET
	path   string
	key    string
	header map[string]string
	body   string
}

func (a *testAPI) serve(r request) response {
	a.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, r.path, strings.NewReader(r.body))
	req.RemoteAddr = r.peer
	if req.RemoteAddr == "" {
		req.RemoteAddr = "192.0.2.1:40000"
	}
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	for name, value := range r.header {
		req.Header.Set(name, value)
	}
	rec := httptest.NewRecorder()
	a.echo.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// wantLimited checks a 429 in the error shape with the Retry-After a client waits.
func (r response) wantLimited(t *testing.T, retryAfter string) {
	t.Helper()
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	if got := r.header.Get("Retry-After"); got != retryAfter {
		t.Fatalf("Retry-After = %q, want %q", got, retryAfter)
	}
}

func (r response) wantNotLimited(t *testing.T, what string) {
	t.Helper()
	if r.status == http.StatusTooManyRequests {
		t.Fatalf("%s: 429 %s", what, r.body)
	}
}

func TestRateLimit_BurstOverTheLimitIs429WithRetryAfter(t *testing.T) {
	threeAMinute := config.RateLimit{PerSecond: 1.0 / 60, Burst: 3}
	cases := []struct {
		name   string
		limits config.RateLimits
		send   func(a *testAPI, key string) response
		status int // of the requests within the burst
	}{
		{"per API key on /v1", config.RateLimits{APIPerKey: threeAMinute},
			func(a *testAPI, key string) response { return a.serve(request{path: "/v1/line-accounts", key: key}) }, http.StatusOK},
		{"per client on /v1, bad keys included", config.RateLimits{APIPerClient: threeAMinute},
			func(a *testAPI, _ string) response {
				return a.serve(request{path: "/v1/line-accounts", key: "lumo_guess"})
			}, http.StatusUnauthorized},
		{"per client on an unknown /v1 path", config.RateLimits{APIPerClient: threeAMinute},
			func(a *testAPI, _ string) response { return a.serve(request{path: "/v1/nothing-here"}) }, http.StatusUnauthorized},
		{"per client on QR scan links", config.RateLimits{QRPerClient: threeAMinute},
			func(a *testAPI, _ string) response { return a.serve(request{path: "/q/nope"}) }, http.StatusNotFound},
		{"per client on webhooks", config.RateLimits{WebhooksPerClient: threeAMinute},
			func(a *testAPI, _ string) response {
				return a.serve(request{method: http.MethodPost, path: "/webhooks/line/01a20000-0000-7000-8000-000000000000"})
			}, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t, testenv.SQLite(t), withRateLimits(onlyLimits(c.limits)), withClock(newFakeClock()))
			_, key := a.workspace("acme")
			for i := range 3 {
				if res := c.send(a, key); res.status != c.status {
					t.Fatalf("request %d of the burst: status %d, want %d: %s", i+1, res.status, c.status, res.body)
				}
			}
			res := c.send(a, key)
			res.wantLimited(t, "60")
			if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("a 429 without the security headers: X-Content-Type-Options = %q", got)
			}
		})
	}
}

func TestRateLimit_AnotherKeyIsUnaffected(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock()),
		withRateLimits(onlyLimits(config.RateLimits{APIPerKey: config.RateLimit{PerSecond: 1, Burst: 2}})))
	_, busy := a.workspace("busy")
	_, quiet := a.workspace("quiet")
	_, sameWorkspace := testenv.Workspace(t, a.store, "busy too")
	for range 2 {
		a.serve(request{path: "/v1/line-accounts", key: busy}).wantStatus(t, http.StatusOK)
	}
	a.serve(request{path: "/v1/line-accounts", key: busy}).wantLimited(t, "1")
	a.serve(request{path: "/v1/line-accounts", key: quiet}).wantStatus(t, http.StatusOK)
	a.serve(request{path: "/v1/line-accounts", key: sameWorkspace}).wantStatus(t, http.StatusOK)
}

func TestRateLimit_AnotherAddressIsUnaffected(t *testing.T) {
	oneAMinute := config.RateLimit{PerSecond: 1.0 / 60, Burst: 1}
	cases := []struct {
		name   string
		limits config.RateLimits
		req    request
	}{
		{"/v1", config.RateLimits{APIPerClient: oneAMinute}, request{path: "/v1/line-accounts", key: "lumo_guess"}},
		{"/q/", config.RateLimits{QRPerClient: oneAMinute}, request{path: "/q/nope"}},
		{"/webhooks/", config.RateLimits{WebhooksPerClient: oneAMinute}, request{method: http.MethodPost, path: "/webhooks/line/x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock()), withRateLimits(onlyLimits(c.limits)))
			flooder, other, otherV6, sameV6Network := c.req, c.req, c.req, c.req
			flooder.peer, other.peer = "192.0.2.1:40000", "192.0.2.2:40000"
			a.serve(flooder).wantNotLimited(t, "first request")
			a.serve(flooder).wantLimited(t, "60")
			flooder.peer = "192.0.2.1:40001" // another connection of the same client
			a.serve(flooder).wantLimited(t, "60")
			a.serve(other).wantNotLimited(t, "another address")

			// An IPv6 host is given a /64: one client, however many addresses it takes.
			otherV6.peer, sameV6Network.peer = "[2001:db8:1:2::1]:40000", "[2001:db8:1:2::ffff]:40000"
			a.serve(otherV6).wantNotLimited(t, "an IPv6 address")
			a.serve(sameV6Network).wantLimited(t, "60")
		})
	}
}

func TestRateLimit_RefillsAsTimePasses(t *testing.T) {
	clock := newFakeClock()
	a := newTestAPI(t, testenv.SQLite(t), withClock(clock),
		withRateLimits(onlyLimits(config.RateLimits{APIPerKey: config.RateLimit{PerSecond: 0.5, Burst: 2}})))
	_, key := a.workspace("acme")
	list := request{path: "/v1/line-accounts", key: key}

	a.serve(list).wantStatus(t, http.StatusOK)
	a.serve(list).wantStatus(t, http.StatusOK)
	a.serve(list).wantLimited(t, "2")
	clock.Advance(1500 * time.Millisecond)
	a.serve(list).wantLimited(t, "1") // half a second to go: rounded up, never 0
	clock.Advance(500 * time.Millisecond)
	a.serve(list).wantStatus(t, http.StatusOK)
	a.serve(list).wantLimited(t, "2")

	// A bucket fills up to its burst and no further, however long it waits.
	clock.Advance(time.Hour)
	a.serve(list).wantStatus(t, http.StatusOK)
	a.serve(list).wantStatus(t, http.StatusOK)
	a.serve(list).wantLimited(t, "2")
}

func TestRateLimit_HealthReadinessAndTheDocumentAreNotLimited(t *testing.T) {
	oneAnHour := config.RateLimit{PerSecond: 1.0 / 3600, Burst: 1}
	a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock()), withRateLimits(config.RateLimits{
		APIPerKey: oneAnHour, APIPerClient: oneAnHour, QRPerClient: oneAnHour, WebhooksPerClient: oneAnHour,
	}))
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		for i := range 5 {
			if res := a.serve(request{path: path}); res.status == http.StatusTooManyRequests || res.status == http.StatusNotFound {
				t.Fatalf("%s, request %d: status %d: %s", path, i+1, res.status, res.body)
			}
		}
	}
	// The same client is limited where limits apply.
	a.serve(request{path: "/q/nope"}).wantStatus(t, http.StatusNotFound)
	a.serve(request{path: "/q/nope"}).wantLimited(t, "3600")
}

func TestRateLimit_ZeroSettingsMeanTheDefaults(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock())) // a Config built by hand, as in e2e
	burst := config.RateLimits{}.OrDefaults().QRPerClient.Burst
	for i := range burst {
		if res := a.serve(request{path: "/q/nope"}); res.status != http.StatusNotFound {
			t.Fatalf("scan %d of the default burst %d: status %d", i+1, burst, res.status)
		}
	}
	a.serve(request{path: "/q/nope"}).wantLimited(t, "1")
}

func TestRateLimit_ForwardedForCountsOnlyFromTrustedProxies(t *testing.T) {
	cases := []struct {
		name     string
		trusted  string
		requests []request // the last one must be limited; the others not
	}{
		{"an untrusted peer's X-Forwarded-For is ignored", "10.0.0.0/8", []request{
			{peer: "192.0.2.1:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}},
			{peer: "192.0.2.1:1", header: map[string]string{"X-Forwarded-For": "198.51.100.2"}},
		}},
		{"with no proxies configured, loopback is not trusted either", "", []request{
			{peer: "127.0.0.1:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}},
			{peer: "127.0.0.1:1", header: map[string]string{"X-Forwarded-For": "198.51.100.2"}},
		}},
		{"a trusted proxy's X-Forwarded-For names the client", "10.0.0.0/8", []request{
			{peer: "10.0.0.5:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}},
			{peer: "10.0.0.5:1", header: map[string]string{"X-Forwarded-For": "198.51.100.2"}},
			{peer: "10.0.0.6:1", header: map[string]string{"X-Forwarded-For": "198.51.100.3"}},
			{peer: "10.0.0.6:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1"}},
		}},
		{"what a client wrote before the proxy's entry is ignored", "10.0.0.0/8", []request{
			{peer: "10.0.0.5:1", header: map[string]string{"X-Forwarded-For": "203.0.113.1, 198.51.100.1"}},
			{peer: "10.0.0.5:1", header: map[string]string{"X-Forwarded-For": "203.0.113.2, 198.51.100.1"}},
		}},
		{"proxies in a chain are skipped", "10.0.0.0/8, 192.0.2.200", []request{
			{peer: "10.0.0.5:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1, 192.0.2.200, 10.1.1.1"}},
			{peer: "10.0.0.7:1", header: map[string]string{"X-Forwarded-For": "198.51.100.1, 10.2.2.2"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock()), withTrustedProxies(t, c.trusted),
				withRateLimits(onlyLimits(config.RateLimits{QRPerClient: config.RateLimit{PerSecond: 1.0 / 60, Burst: 1}})))
			last := len(c.requests) - 1
			for i, r := range c.requests {
				r.path = "/q/nope"
				res := a.serve(r)
				if i == last {
					res.wantLimited(t, "60")
				} else {
					res.wantNotLimited(t, "from "+r.peer+" for "+r.header["X-Forwarded-For"])
				}
			}
		})
	}
}

// A config loaded from the environment reaches the limits whole: the proxy list too.
func TestRateLimit_LoadedSettingsApply(t *testing.T) {
	cfg, err := config.Load(func(name string) string {
		return map[string]string{
			"LUMO_RATE_LIMIT_QR_PER_CLIENT": "1/m,burst=1",
			"LUMO_TRUSTED_PROXIES":          "10.0.0.0/8",
		}[name]
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}; len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0] != want[0] {
		t.Fatalf("TrustedProxies = %v", cfg.TrustedProxies)
	}
	a := newTestAPI(t, testenv.SQLite(t), withClock(newFakeClock()), func(d *api.Deps) { d.Config = cfg })
	via := func(client string) request {
		return request{peer: "10.0.0.5:1", path: "/q/nope", header: map[string]string{"X-Forwarded-For": client}}
	}
	a.serve(via("198.51.100.1")).wantStatus(t, http.StatusNotFound)
	a.serve(via("198.51.100.2")).wantStatus(t, http.StatusNotFound)
	res := a.serve(via("198.51.100.1"))
	res.wantLimited(t, "60")
	if !strings.Contains(res.header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type = %q", res.header.Get("Content-Type"))
	}
}
