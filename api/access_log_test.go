package api_test

import (
	"net/http"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestAccessLog_OneLinePerRequestWithTheFinalStatusAndWorkspace(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	wsID, key := a.workspace("acme")
	created := a.createAccount(key, "Cafe Lumo", "1650000000")
	created2 := a.do(http.MethodGet, "/v1/line-accounts/"+created.ID, key, "")
	a.do(http.MethodGet, "/v1/line-accounts", "", "")

	lines := a.logs.records(t, "http request")
	if len(lines) != 3 {
		t.Fatalf("want 3 access log lines, got %d:\n%s", len(lines), a.logs)
	}
	get := lines[1]
	want := map[string]any{
		"level":        "INFO",
		"method":       "GET",
		"path":         "/v1/line-accounts/" + created.ID,
		"route":        "/v1/line-accounts/:id",
		"status":       float64(200),
		"request_id":   created2.header.Get("X-Request-Id"),
		"workspace_id": wsID,
	}
	for k, v := range want {
		if get[k] != v {
			t.Errorf("access log %s = %v, want %v", k, get[k], v)
		}
	}
	if latency, ok := get["latency"].(float64); !ok || latency <= 0 {
		t.Errorf("access log latency = %v", get["latency"])
	}
	// The unauthenticated request logs the 401 the client got, and no workspace.
	if lines[2]["status"] != float64(401) || lines[2]["workspace_id"] != nil {
		t.Errorf("401 access log line = %v", lines[2])
	}
}
