package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestRequestID_EchoesTheCallersOrMakesOne(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	cases := []struct {
		name, sent string
		kept       bool
	}{
		{"plausible ID is kept", "trace-01J9:abc.def_1", true},
		{"none sent", "", false},
		{"spaces and quotes are replaced", `x" injected="1`, false},
		{"overlong is replaced", strings.Repeat("a", 129), false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/healthz", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			got := a.send(req).header.Get("X-Request-Id")
			switch {
			case tc.kept && got != tc.sent:
				t.Errorf("X-Request-Id = %q, want the caller's %q", got, tc.sent)
			case !tc.kept && (got == "" || got == tc.sent || seen[got]):
				t.Errorf("X-Request-Id = %q, want a fresh one", got)
			}
			seen[got] = true
		})
	}
	// Errors carry it too.
	if a.do(http.MethodGet, "/nope", "", "").header.Get("X-Request-Id") == "" {
		t.Error("404 without X-Request-Id")
	}
}
