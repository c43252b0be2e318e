package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// wantSecurityHeaders are on every response the API writes.
var wantSecurityHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
	"X-Frame-Options":         "DENY",
}

func TestSecurityHeaders_OnEveryResponse(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t), withBodyLimit(1024), withClock(newFakeClock()),
		withRateLimits(onlyLimits(config.RateLimits{WebhooksPerClient: config.RateLimit{PerSecond: 1, Burst: 1}})))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	qr := a.createQRCode(key, "Poster", account.ID)

	cases := []struct {
		name   string
		req    request
		status int
	}{
		{"liveness", request{path: "/healthz"}, http.StatusOK},
		{"readiness failing", request{path: "/readyz"}, http.StatusServiceUnavailable},
		{"the OpenAPI document", request{path: "/openapi.json"}, http.StatusOK},
		{"an API answer", request{path: "/v1/line-accounts", key: key}, http.StatusOK},
		{"a HEAD request, which GET routes do not take", request{method: http.MethodHead, path: "/healthz"}, http.StatusMethodNotAllowed},
		{"a PNG", request{path: "/v1/qr-codes/" + qr.ID + "/image.png", key: key}, http.StatusOK},
		{"no route", request{path: "/nothing-here"}, http.StatusNotFound},
		{"wrong method", request{method: http.MethodDelete, path: "/healthz"}, http.StatusMethodNotAllowed},
		{"no API key", request{path: "/v1/line-accounts"}, http.StatusUnauthorized},
		{"too large", request{method: http.MethodPost, path: "/v1/line-accounts", key: key, body: strings.Repeat("x", 2000)},
			http.StatusRequestEntityTooLarge},
		{"a QR scan's redirect", request{path: "/q/" + qr.ID}, http.StatusFound},
		{"an unknown QR code", request{path: "/q/nope"}, http.StatusNotFound},
		{"a webhook without a signature", request{method: http.MethodPost, path: "/webhooks/line/" + account.ID}, http.StatusUnauthorized},
		{"a webhook over its rate limit", request{method: http.MethodPost, path: "/webhooks/line/" + account.ID}, http.StatusTooManyRequests},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := a.serve(c.req)
			if res.status != c.status {
				t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
			}
			for name, want := range wantSecurityHeaders {
				if got := res.header.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// Over a real connection too, where net/http writes the headers.
func TestSecurityHeaders_OverHTTP(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	for _, path := range []string{"/healthz", "/nothing-here", "/v1/line-accounts"} {
		res := a.do(http.MethodGet, path, "", "")
		for name, want := range wantSecurityHeaders {
			if got := res.header.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
	}
}
