package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestAuth_RejectsRequestsWithoutAValidBearerKey(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")

	cases := []struct {
		name   string
		header string // Authorization; "" sends none
	}{
		{"no header", ""},
		{"wrong key", "Bearer lumo_not-a-real-key"},
		{"basic scheme", "Basic x"},
		{"bearer without key", "Bearer"},
		{"bearer with blank key", "Bearer    "},
		{"key without scheme", key},
		{"other scheme with the valid key", "Token " + key},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/v1/line-accounts", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res := a.send(req)
			res.wantError(t, http.StatusUnauthorized, "unauthorized")
			if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate = %q, want Bearer", got)
			}
		})
	}
}

func TestAuth_AcceptsTheKeyWhateverTheSchemeCase(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/v1/line-accounts", nil)
		req.Header.Set("Authorization", scheme+" "+key)
		if res := a.send(req); res.status != http.StatusOK {
			t.Errorf("%s: status = %d; body %s", scheme, res.status, res.body)
		}
	}
}

func TestAuth_UnknownRouteUnderV1NeedsAKeyFirst(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	a.do(http.MethodGet, "/v1/nothing-here", "", "").wantError(t, http.StatusUnauthorized, "unauthorized")
	a.do(http.MethodGet, "/v1/nothing-here", key, "").wantError(t, http.StatusNotFound, "not_found")
}

func TestErrors_AreNotHTMLEscaped(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	res := a.do(http.MethodGet, "/v1/line-accounts", "", "")
	res.wantError(t, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(string(res.body), "<api key>") {
		t.Fatalf("message escaped for HTML: %s", res.body)
	}
}
