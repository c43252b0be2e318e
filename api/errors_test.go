package api_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestErrors_UnknownRouteIs404InTheErrorShape(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	for _, path := range []string{"/nope", "/v2/line-accounts", "/healthz/extra"} {
		got := a.do(http.MethodGet, path, "", "").wantError(t, http.StatusNotFound, "not_found")
		if !strings.Contains(got.Message, path) {
			t.Errorf("%s: message %q does not name the path", path, got.Message)
		}
	}
}

func TestErrors_WrongMethodIs405InTheErrorShapeWithAllow(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct{ method, path, allowed string }{
		{http.MethodPost, "/healthz", "GET"},
		{http.MethodPut, "/v1/line-accounts", "POST"},
		{http.MethodPost, "/v1/line-accounts/some-id", "PATCH"},
	}
	for _, tc := range cases {
		res := a.do(tc.method, tc.path, key, "")
		res.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
		if allow := res.header.Get("Allow"); !strings.Contains(allow, tc.allowed) {
			t.Errorf("%s %s: Allow = %q, want it to list %s", tc.method, tc.path, allow, tc.allowed)
		}
	}
}

func TestErrors_InternalErrorsAreLoggedNotSent(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	a.echo.GET("/test/fail", func(echo.Context) error {
		return &net500{}
	})
	res := a.do(http.MethodGet, "/test/fail", "", "")
	res.wantError(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(res.body), "dial tcp 10.0.0.1") {
		t.Errorf("internal detail leaked: %s", res.body)
	}
	failed := a.logs.records(t, "request failed")
	if len(failed) != 1 || !strings.Contains(failed[0]["error"].(string), "dial tcp 10.0.0.1") {
		t.Errorf("internal error not logged with its detail:\n%s", a.logs)
	}
}

type net500 struct{}

func (*net500) Error() string { return "dial tcp 10.0.0.1:5432: connection refused" }

// A database that cannot be reached is the server's trouble, but a passing one: 503, so
// that clients (and LINE, redelivering webhooks) try again, without the detail.
func TestErrors_UnreachableDatabaseIs503(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, refused := pgconn.Connect(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("connected to port 1")
	}
	a.echo.GET("/test/database-down", func(echo.Context) error {
		return fmt.Errorf("list friends: %w", refused)
	})
	res := a.do(http.MethodGet, "/test/database-down", "", "")
	got := res.wantError(t, http.StatusServiceUnavailable, "unavailable")
	if !strings.Contains(got.Message, "database") || strings.Contains(string(res.body), "127.0.0.1:1") {
		t.Errorf("message %q: want it to name the database and not leak the address (%s)", got.Message, res.body)
	}
}

// The Store's ValidationError (a segment definition with several problems) is a 422
// naming each problem by its path, as the Store names it.
func TestErrors_StoreValidationErrorIs422ByPath(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	fields := map[string]string{"groups[1].conditions[0].value": "must be a whole number", "groups": "at most 20 groups"}
	a.echo.GET("/test/invalid", func(echo.Context) error {
		return fmt.Errorf("create segment: %w", &models.ValidationError{Fields: fields})
	})
	got := a.do(http.MethodGet, "/test/invalid", "", "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !reflect.DeepEqual(got.Fields, fields) {
		t.Errorf("fields = %v, want %v", got.Fields, fields)
	}
}
