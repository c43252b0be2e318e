package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

// TestSendData_ActivationRefusesAURLAFriendCouldRedirect: a send_data URL whose host,
// scheme or port a placeholder fills, or that carries credentials, is a 422 naming the
// step's url; placeholders in a path segment or a query value are fine.
func TestSendData_ActivationRefusesAURLAFriendCouldRedirect(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	a.putSecret(key, "signing", "whsec_1")
	doc := func(url string) string {
		return fmt.Sprintf(`{"name": %q, "lineAccountId": %q, "trigger": {"type": "friend_added"}, "start": "ask",
  "nodes": [{"id": "ask", "type": "question", "message": {"type": "text", "text": "Your site?"},
             "answer": {"type": "text"}, "saveTo": {"field": "site"}, "next": "post"},
            {"id": "post", "type": "send_data", "url": %q}]}`, url, account.ID, url)
	}
	cases := []struct{ url, want string }{
		{"{{friend.fields.site}}", "scheme, host and port must be written out"},
		{"https://{{friend.fields.site}}/hook", "scheme, host and port must be written out"},
		{"https://hooks.example:{{friend.fields.site}}/hook", "scheme, host and port must be written out"},
		{"https://user:pass@hooks.example/hook", "credentials"},
		{"http://hooks.example/sites/{{friend.fields.site}}", "https://"},
	}
	for _, tc := range cases {
		w := a.createWorkflow(key, doc(tc.url))
		got := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if msg := got.Fields["nodes[1].url"]; !strings.Contains(msg, tc.want) {
			t.Errorf("%s: fields = %v, want nodes[1].url to say %q", tc.url, got.Fields, tc.want)
		}
	}
	w := a.createWorkflow(key, doc("https://hooks.example/sites/{{friend.fields.site}}?from={{friend.lineUserId}}"))
	a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
}
