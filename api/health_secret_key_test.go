package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// withStore serves the API over store (with its own key) instead of a fresh one.
func withStore(store *models.Store) option { return func(d *api.Deps) { d.Store = store } }

func TestReadyz_SecretKeyCheck(t *testing.T) {
	cases := []struct {
		name      string
		sameKey   bool
		wantCheck string
	}{
		{name: "the key that sealed the database", sameKey: true, wantCheck: "ok"},
		{name: "another key", sameKey: false, wantCheck: "LUMO_SECRET_KEY cannot open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testenv.SQLite(t)
			sealing := testenv.Store(t, db)
			if err := sealing.EnsureSecretKey(context.Background()); err != nil {
				t.Fatal(err)
			}
			var opts []option
			if tc.sameKey {
				opts = append(opts, withStore(sealing))
			}
			// Without Temporal /readyz is 503 either way: the secretKey check is what
			// tells the two apart.
			a := newTestAPI(t, db, opts...)
			res := a.do(http.MethodGet, "/readyz", "", "")
			res.wantStatus(t, http.StatusServiceUnavailable)
			var got readiness
			res.decode(t, &got)
			if !strings.HasPrefix(got.Checks["secretKey"], tc.wantCheck) || got.Checks["database"] != "ok" {
				t.Fatalf("checks = %v, want secretKey saying %q", got.Checks, tc.wantCheck)
			}
			if tc.sameKey {
				return
			}
			logged := a.logs.records(t, "readiness check failed")
			if len(logged) != 1 || logged[0]["check"] != "secretKey" || !strings.Contains(logged[0]["error"].(string), models.ErrWrongSecretKey.Error()) {
				t.Errorf("the failed check is not logged with its detail:\n%s", a.logs)
			}
		})
	}
}

// A failed check's error names hosts and ports: /readyz, which anyone may ask, says only
// which check failed, and the log has the rest.
func TestReadyz_FailedCheckDetailStaysInTheLog(t *testing.T) {
	got, _ := readyzAgainst(t, "127.0.0.1:1")
	for name, result := range got.Checks {
		if strings.Contains(result, "127.0.0.1") || strings.Contains(result, "connection refused") {
			t.Errorf("checks.%s = %q: internal detail", name, result)
		}
	}
	if !strings.HasPrefix(got.Checks["temporal"], "unreachable") {
		t.Errorf("checks.temporal = %q, want unreachable", got.Checks["temporal"])
	}
}
