package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

// leakMarker stands for internal detail (a host, a query, a key ID) in injected errors.
const leakMarker = "INTERNAL-DETAIL-7f3a"

// Whatever a handler fails with, the client gets the status and a generic message, and
// the detail is in the log under the request ID the response carries.
func TestErrors_InternalTextNeverReachesTheClient(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, refused := pgconn.Connect(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("connected to port 1")
	}
	cases := []struct {
		name     string
		fail     func() error
		status   int
		code     string
		logEntry string
	}{
		{"plain error", func() error { return errors.New("query failed: " + leakMarker) }, 500, "internal", "request failed"},
		{"Temporal unreachable", func() error {
			return fmt.Errorf("%w: start the run on Temporal: %s", models.ErrUnavailable, leakMarker)
		}, 503, "unavailable", "request failed"},
		{"a sealed value that does not open", func() error {
			return fmt.Errorf("open credentials of line account %s: %w", leakMarker, secrets.ErrCannotOpen)
		}, 500, "internal", "request failed"},
		{"a key the box lacks", func() error {
			return fmt.Errorf("open secret %q: %w", leakMarker, &secrets.UnknownKeyError{KeyID: "0badc0de"})
		}, 500, "internal", "request failed"},
		{"database unreachable", func() error { return fmt.Errorf("list friends of %s: %w", leakMarker, refused) }, 503, "unavailable", "request failed"},
		{"echo's own 500", func() error { return echo.NewHTTPError(http.StatusInternalServerError, leakMarker) }, 500, "internal", "request failed"},
		{"panic", func() error { panic("nil map in " + leakMarker) }, 500, "internal", "handler panicked"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := fmt.Sprintf("/test/leak/%d", i)
			a.echo.GET(path, func(echo.Context) error { return tc.fail() })
			res := a.do(http.MethodGet, path, "", "")
			res.wantError(t, tc.status, tc.code)
			if strings.Contains(string(res.body), leakMarker) || strings.Contains(string(res.body), "0badc0de") {
				t.Errorf("the body carries internal detail: %s", res.body)
			}
			requestID := res.header.Get("X-Request-Id")
			found := false
			for _, rec := range a.logs.records(t, tc.logEntry) {
				if rec["request_id"] == requestID && strings.Contains(fmt.Sprint(rec["error"], rec["panic"]), leakMarker) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %q log line with request ID %s and the detail:\n%s", tc.logEntry, requestID, a.logs)
			}
		})
	}
}

// A test push whose credentials do not open, or whose LINE cannot be reached, says so
// without the error text: no key ID, no sealed value, no host or port.
func TestAutoMessages_TestSendFailuresCarryNoInternalText(t *testing.T) {
	f := newSendFixture(t, testenv.SQLite(t))
	send := func() response {
		return f.a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/test", f.key, `{"friendId": "`+f.friend.ID+`"}`)
	}
	lineURL, err := url.Parse(f.line.URL())
	if err != nil {
		t.Fatal(err)
	}

	// LINE down: 503, and nothing of the address it was dialled at.
	f.line.Close()
	res := send()
	res.wantError(t, http.StatusServiceUnavailable, "unavailable")
	for _, detail := range []string{lineURL.Host, "dial tcp", "connection refused"} {
		if strings.Contains(string(res.body), detail) {
			t.Errorf("LINE down: the body carries %q: %s", detail, res.body)
		}
	}

	// The token does not open (sealed under a key this server lacks): the server's fault.
	if err := f.a.store.DB().Exec("UPDATE line_accounts SET channel_access_token_sealed = ? WHERE id = ?",
		"v2.0badc0de.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f.account.ID).Error; err != nil {
		t.Fatal(err)
	}
	res = send()
	res.wantError(t, http.StatusInternalServerError, "internal")
	for _, detail := range []string{"0badc0de", "sealed", "secrets:", f.account.ID} {
		if strings.Contains(string(res.body), detail) {
			t.Errorf("credentials that do not open: the body carries %q: %s", detail, res.body)
		}
	}
}
