package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// autoMessage is an auto message as the API returns it.
type autoMessage struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	LineAccountID *string           `json:"lineAccountId"`
	Messages      []json.RawMessage `json:"messages"`
	CreatedAt     time.Time         `json:"createdAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

func autoMessageBody(name string) string {
	return fmt.Sprintf(`{"name": %q, "messages": [{"type": "text", "text": "Hello {{friend.displayName}}"}]}`, name)
}

// createAutoMessage saves an auto message with one text message and returns it.
func (a *testAPI) createAutoMessage(key, name string) autoMessage {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/auto-messages", key, autoMessageBody(name))
	res.wantStatus(a.t, http.StatusCreated)
	var m autoMessage
	res.decode(a.t, &m)
	return m
}

func TestAutoMessages_CreateReadReplaceDelete(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")

		res := a.do(http.MethodPost, "/v1/auto-messages", key, fmt.Sprintf(`{
  "name": "Spring sale",
  "lineAccountId": %q,
  "messages": [
    {"type": "text", "text": "Hi {{friend.displayName}}!"},
    {"type": "flex", "altText": "Sale", "contents": {"type": "bubble",  "body": {"type": "box", "layout": "vertical", "contents": []}}}
  ]
}`, account.ID))
		res.wantStatus(t, http.StatusCreated)
		var created autoMessage
		res.decode(t, &created)
		if created.ID == "" || created.Name != "Spring sale" || created.LineAccountID == nil || *created.LineAccountID != account.ID ||
			len(created.Messages) != 2 || created.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", created)
		}
		// Messages come back in canonical form.
		if got := string(created.Messages[1]); !strings.Contains(got, `"contents":{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[]}}`) {
			t.Errorf("flex message = %s", got)
		}

		var got autoMessage
		get := a.do(http.MethodGet, "/v1/auto-messages/"+created.ID, key, "")
		get.wantStatus(t, http.StatusOK)
		get.decode(t, &got)
		if got.ID != created.ID || len(got.Messages) != 2 {
			t.Fatalf("get = %+v", got)
		}

		// PUT replaces everything: without lineAccountId the account is cleared.
		put := a.do(http.MethodPut, "/v1/auto-messages/"+created.ID, key, `{"name": "Summer sale", "messages": [{"type": "text", "text": "Summer!"}]}`)
		put.wantStatus(t, http.StatusOK)
		var replaced autoMessage
		put.decode(t, &replaced)
		if replaced.Name != "Summer sale" || replaced.LineAccountID != nil || len(replaced.Messages) != 1 || !replaced.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("replaced = %+v", replaced)
		}

		a.do(http.MethodDelete, "/v1/auto-messages/"+created.ID, key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodGet, "/v1/auto-messages/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, "/v1/auto-messages/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodPut, "/v1/auto-messages/"+created.ID, key, autoMessageBody("x")).wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestAutoMessages_ListPagesNewestFirst(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	_, otherKey := a.workspace("other")
	for _, name := range []string{"first", "second", "third"} {
		a.createAutoMessage(key, name)
	}
	a.createAutoMessage(otherKey, "theirs")

	var page struct {
		Items      []autoMessage `json:"items"`
		NextCursor string        `json:"nextCursor"`
	}
	res := a.do(http.MethodGet, "/v1/auto-messages?limit=2", key, "")
	res.wantStatus(t, http.StatusOK)
	res.decode(t, &page)
	if len(page.Items) != 2 || page.Items[0].Name != "third" || page.Items[1].Name != "second" || page.NextCursor == "" {
		t.Fatalf("first page = %+v", page)
	}
	res = a.do(http.MethodGet, "/v1/auto-messages?limit=2&cursor="+page.NextCursor, key, "")
	res.wantStatus(t, http.StatusOK)
	page.Items, page.NextCursor = nil, "x"
	res.decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "first" || page.NextCursor != "" {
		t.Fatalf("second page = %+v", page)
	}
	a.do(http.MethodGet, "/v1/auto-messages?limit=0", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	a.do(http.MethodGet, "/v1/auto-messages?cursor=not-a-cursor!", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
}

func TestAutoMessages_BadInput(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	_, otherKey := a.workspace("other")
	theirs := a.createAccount(otherKey, "Theirs", "1650000009")
	a.createAutoMessage(key, "Taken")
	text := `[{"type": "text", "text": "Hi"}]`

	cases := []struct {
		name   string
		body   string
		status int
		fields map[string]string // path → part of the problem
	}{
		{"malformed", `{"name": "x",`, http.StatusBadRequest, nil},
		{"not an object", `[1]`, http.StatusBadRequest, nil},
		{"name as a number", `{"name": 5, "messages": ` + text + `}`, http.StatusBadRequest, nil},
		{"no name", `{"messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"name": "required"}},
		{"blank name", `{"name": "  ", "messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"name": "blank"}},
		{"two-line name", `{"name": "a\nb", "messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"name": "line breaks"}},
		{"long name", `{"name": "` + strings.Repeat("n", 101) + `", "messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"name": "at most 100"}},
		{"no messages", `{"name": "x"}`, http.StatusUnprocessableEntity, map[string]string{"messages": "required"}},
		{"messages not a list", `{"name": "x", "messages": {"type": "text"}}`, http.StatusUnprocessableEntity, map[string]string{"messages": "must be an array"}},
		{"no message", `{"name": "x", "messages": []}`, http.StatusUnprocessableEntity, map[string]string{"messages": "at least 1"}},
		{"six messages", `{"name": "x", "messages": [` + strings.Repeat(`{"type": "text", "text": "a"},`, 5) + `{"type": "text", "text": "a"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"messages": "the limit is 5"}},
		{"text missing", `{"name": "x", "messages": [{"type": "text"}]}`, http.StatusUnprocessableEntity, map[string]string{"messages[0].text": "required"}},
		{"unknown placeholder", `{"name": "x", "messages": [{"type": "text", "text": "{{friend.age}}"}]}`, http.StatusUnprocessableEntity,
			map[string]string{"messages[0].text": `unknown name "friend.age"`}},
		{"field of another type", `{"name": "x", "messages": [{"type": "text", "text": "a", "previewImageUrl": "https://x.example/a.png"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"messages[0].previewImageUrl": "a text message takes"}},
		{"unknown field", `{"name": "x", "colour": "red", "messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"colour": "unknown field"}},
		{"everything at once", `{"name": "", "messages": [{"type": "image", "originalContentUrl": "http://x.example/a.png"}]}`, http.StatusUnprocessableEntity,
			map[string]string{"name": "required", "messages[0].originalContentUrl": "https", "messages[0].previewImageUrl": "required"}},
		{"another workspace's account", `{"name": "x", "lineAccountId": "` + theirs.ID + `", "messages": ` + text + `}`, http.StatusUnprocessableEntity,
			map[string]string{"lineAccountId": "no LINE account"}},
		{"blank account", `{"name": "x", "lineAccountId": "", "messages": ` + text + `}`, http.StatusUnprocessableEntity, map[string]string{"lineAccountId": "blank"}},
		{"name taken", autoMessageBody("Taken"), http.StatusConflict, map[string]string{"name": "already in use"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := a.do(http.MethodPost, "/v1/auto-messages", key, tc.body)
			code := map[int]string{http.StatusBadRequest: "malformed_json", http.StatusUnprocessableEntity: "validation_failed", http.StatusConflict: "conflict"}[tc.status]
			got := res.wantError(t, tc.status, code)
			for path, want := range tc.fields {
				if !strings.Contains(got.Fields[path], want) {
					t.Errorf("fields[%s] = %q, want %q; all: %v", path, got.Fields[path], want, got.Fields)
				}
			}
		})
	}

	// PUT judges the body the same way, and renaming onto another's name is a conflict.
	other := a.createAutoMessage(key, "Other")
	a.do(http.MethodPut, "/v1/auto-messages/"+other.ID, key, `{"name": "x", "messages": []}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	got := a.do(http.MethodPut, "/v1/auto-messages/"+other.ID, key, autoMessageBody("Taken")).wantError(t, http.StatusConflict, "conflict")
	if got.Fields["name"] == "" || !strings.Contains(got.Message, `"Taken"`) {
		t.Errorf("rename conflict = %+v", got)
	}
}

func TestAutoMessages_DeletingOneALiveWorkflowSendsIsAConflict(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		promo := a.createAutoMessage(key, "Promo")
		doc := func(node string) string {
			return fmt.Sprintf(`{"name": "Promo flow", "lineAccountId": %q, "trigger": {"type": "friend_added"}, "start": "a", "nodes": [%s]}`, account.ID, node)
		}
		w := a.createWorkflow(key, doc(`{"id": "a", "type": "send_auto_message", "autoMessageId": "`+promo.ID+`"}`))
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)

		got := a.do(http.MethodDelete, "/v1/auto-messages/"+promo.ID, key, "").wantError(t, http.StatusConflict, "conflict")
		if !strings.Contains(got.Message, `"Promo flow"`) || !strings.Contains(got.Message, w.ID) {
			t.Fatalf("conflict = %+v", got)
		}
		// Paused, its runs in flight still send it.
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/pause", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodDelete, "/v1/auto-messages/"+promo.ID, key, "").wantError(t, http.StatusConflict, "conflict")

		// A version without the step frees it; the auto message is then gone for good.
		a.do(http.MethodPut, "/v1/workflows/"+w.ID, key, doc(`{"id": "a", "type": "delay", "duration": "1h"}`)).wantStatus(t, http.StatusOK)
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodDelete, "/v1/auto-messages/"+promo.ID, key, "").wantStatus(t, http.StatusNoContent)

		// Activation now refuses a step that names it.
		a.do(http.MethodPut, "/v1/workflows/"+w.ID, key, doc(`{"id": "a", "type": "send_auto_message", "autoMessageId": "`+promo.ID+`"}`)).wantStatus(t, http.StatusOK)
		refused := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if !strings.Contains(refused.Fields["nodes[0].autoMessageId"], "unknown auto message") {
			t.Fatalf("fields = %v", refused.Fields)
		}
	})
}
