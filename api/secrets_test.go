package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// secret is a secret as the API shows it: never its value.
type secret struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// putSecret sets a secret of the workspace of key and returns it.
func (a *testAPI) putSecret(key, name, value string) secret {
	a.t.Helper()
	res := a.do(http.MethodPut, "/v1/secrets/"+name, key, fmt.Sprintf(`{"value": %q}`, value))
	res.wantStatus(a.t, http.StatusOK)
	var s secret
	res.decode(a.t, &s)
	return s
}

// namedByCaller are the /v1 routes whose path names an object in the caller's own
// namespace rather than by a global ID: B's PUT of a secret named like A's makes B's
// own secret. The tenancy test skips them in B's pass and calls checkNamedByCaller.
var namedByCaller = map[string]bool{
	"PUT /v1/secrets/:name": true,
}

// checkNamedByCaller has B put a secret under the name of A's, and checks that A's value
// is still A's and that B's is B's.
func checkNamedByCaller(t *testing.T, a *testAPI, workspaceA, keyB string, objects ownedObjects) {
	t.Helper()
	a.putSecret(keyB, objects.secretName, "b-value")
	ctx := context.Background()
	if value, err := a.store.OpenSecret(ctx, workspaceA, objects.secretName); err != nil || value != "a-value" {
		t.Errorf("B's PUT changed A's secret: %q, %v", value, err)
	}
}

func TestSecrets_PutListDeleteNeverShowTheValue(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		wsID, key := a.workspace("acme")

		res := a.do(http.MethodPut, "/v1/secrets/signing", key, `{"value": "whsec_123"}`)
		res.wantStatus(t, http.StatusOK)
		if strings.Contains(string(res.body), "whsec_123") || !strings.Contains(string(res.body), `"name":"signing"`) {
			t.Fatalf("put answered %s", res.body)
		}
		var first secret
		res.decode(t, &first)
		time.Sleep(5 * time.Millisecond)
		second := a.putSecret(key, "signing", "whsec_456")
		if !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.After(first.UpdatedAt) {
			t.Fatalf("first %+v, second %+v", first, second)
		}
		if value, err := a.store.OpenSecret(context.Background(), wsID, "signing"); err != nil || value != "whsec_456" {
			t.Fatalf("value = %q, %v", value, err)
		}
		a.putSecret(key, "crm-hook_2", "x")

		list := a.do(http.MethodGet, "/v1/secrets", key, "")
		list.wantStatus(t, http.StatusOK)
		if strings.Contains(string(list.body), "whsec") || strings.Contains(string(list.body), "value") {
			t.Fatalf("list shows values: %s", list.body)
		}
		var page struct {
			Items      []secret `json:"items"`
			NextCursor string   `json:"nextCursor"`
		}
		list.decode(t, &page)
		if len(page.Items) != 2 || page.Items[0].Name != "crm-hook_2" || page.Items[1].Name != "signing" || page.NextCursor != "" {
			t.Fatalf("list = %+v", page)
		}
		one := a.do(http.MethodGet, "/v1/secrets?limit=1", key, "")
		one.decode(t, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("limit 1 = %+v", page)
		}

		a.do(http.MethodDelete, "/v1/secrets/signing", key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodDelete, "/v1/secrets/signing", key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, "/v1/secrets/not%20a%20name", key, "").wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestSecrets_BadInput(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name, path, body string
		status           int
		fields           map[string]string
	}{
		{"malformed", "/v1/secrets/ok", `{"value": `, http.StatusBadRequest, nil},
		{"value a number", "/v1/secrets/ok", `{"value": 5}`, http.StatusBadRequest, nil},
		{"no value", "/v1/secrets/ok", `{}`, http.StatusUnprocessableEntity, map[string]string{"value": "required"}},
		{"blank value", "/v1/secrets/ok", `{"value": " "}`, http.StatusUnprocessableEntity, map[string]string{"value": "blank"}},
		{"long value", "/v1/secrets/ok", `{"value": "` + strings.Repeat("v", 4097) + `"}`, http.StatusUnprocessableEntity, map[string]string{"value": "at most 4096"}},
		{"unknown field", "/v1/secrets/ok", `{"value": "x", "name": "other"}`, http.StatusUnprocessableEntity, map[string]string{"name": "unknown field"}},
		{"name with a space", "/v1/secrets/two%20words", `{"value": "x"}`, http.StatusUnprocessableEntity, map[string]string{"name": "letters, digits, _ or -"}},
		{"name too long", "/v1/secrets/" + strings.Repeat("n", 65), `{"value": "x"}`, http.StatusUnprocessableEntity, map[string]string{"name": "1 to 64"}},
		{"name and value at once", "/v1/secrets/a.b", `{}`, http.StatusUnprocessableEntity, map[string]string{"name": "letters", "value": "required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := map[int]string{http.StatusBadRequest: "malformed_json", http.StatusUnprocessableEntity: "validation_failed"}[tc.status]
			got := a.do(http.MethodPut, tc.path, key, tc.body).wantError(t, tc.status, code)
			for path, want := range tc.fields {
				if !strings.Contains(got.Fields[path], want) {
					t.Errorf("fields[%s] = %q, want %q; all: %v", path, got.Fields[path], want, got.Fields)
				}
			}
		})
	}
}

func TestSecrets_ActivationNeedsTheSecretASendDataStepSignsWith(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		doc := func(name, secretRef string) string {
			ref := ""
			if secretRef != "" {
				ref = fmt.Sprintf(`, "secretRef": %q`, secretRef)
			}
			return fmt.Sprintf(`{"name": %q, "lineAccountId": %q, "trigger": {"type": "friend_added"}, "start": "post",
  "nodes": [{"id": "post", "type": "send_data", "url": "https://hooks.example/lumo"%s}]}`, name, account.ID, ref)
		}
		byDefault := a.createWorkflow(key, doc("Default key", ""))
		named := a.createWorkflow(key, doc("Named key", "crm"))

		got := a.do(http.MethodPost, "/v1/workflows/"+byDefault.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if msg := got.Fields["nodes[0].secretRef"]; !strings.Contains(msg, `no "signing" secret`) || !strings.Contains(msg, "PUT /v1/secrets/signing") {
			t.Errorf("default key: fields = %v", got.Fields)
		}
		got = a.do(http.MethodPost, "/v1/workflows/"+named.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if msg := got.Fields["nodes[0].secretRef"]; msg != `unknown secret "crm"` {
			t.Errorf("named key: fields = %v", got.Fields)
		}
		// The draft shows the same problem before anyone tries.
		if w := a.getWorkflow(t, key, named.ID); len(w.Problems) != 1 || w.Problems[0].Path != "nodes[0].secretRef" {
			t.Errorf("draft problems = %+v", w.Problems)
		}

		a.putSecret(key, "signing", "default-key")
		a.putSecret(key, "crm", "crm-key")
		a.do(http.MethodPost, "/v1/workflows/"+byDefault.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodPost, "/v1/workflows/"+named.ID+"/activate", key, "").wantStatus(t, http.StatusOK)

		// Deleting a secret a live workflow signs with is a conflict naming it.
		conflict := a.do(http.MethodDelete, "/v1/secrets/signing", key, "").wantError(t, http.StatusConflict, "conflict")
		if !strings.Contains(conflict.Message, `"Default key"`) || strings.Contains(conflict.Message, "Named key") {
			t.Errorf("signing conflict = %+v", conflict)
		}
		conflict = a.do(http.MethodDelete, "/v1/secrets/crm", key, "").wantError(t, http.StatusConflict, "conflict")
		if !strings.Contains(conflict.Message, `"Named key"`) {
			t.Errorf("crm conflict = %+v", conflict)
		}
		a.putSecret(key, "unused", "x")
		a.do(http.MethodDelete, "/v1/secrets/unused", key, "").wantStatus(t, http.StatusNoContent)
	})
}

func TestSecrets_ImportKeepsSecretRefsTheWorkspaceHas(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, keyA := a.workspace("a")
	_, keyB := a.workspace("b")
	file := `{"name": "Hooks", "trigger": {"type": "manual"}, "start": "one",
  "nodes": [{"id": "one", "type": "send_data", "url": "https://hooks.example/1", "secretRef": "crm", "next": "two"},
            {"id": "two", "type": "send_data", "url": "https://hooks.example/2", "secretRef": "erp"}]}`
	a.putSecret(keyA, "crm", "x")
	res := a.do(http.MethodPost, "/v1/workflows/import", keyA, file)
	res.wantStatus(t, http.StatusCreated)
	var imported struct {
		StrippedReferences []struct{ Kind, ID, Path string } `json:"strippedReferences"`
	}
	res.decode(t, &imported)
	if len(imported.StrippedReferences) != 1 || imported.StrippedReferences[0].ID != "erp" || imported.StrippedReferences[0].Path != "nodes[1].secretRef" {
		t.Fatalf("A stripped %+v", imported.StrippedReferences)
	}
	res = a.do(http.MethodPost, "/v1/workflows/import", keyB, file)
	res.wantStatus(t, http.StatusCreated)
	res.decode(t, &imported)
	if len(imported.StrippedReferences) != 2 {
		t.Fatalf("B stripped %+v", imported.StrippedReferences)
	}
}

func TestWorkflows_ActivationSaysPlainlyThatCustomerAgentIsNotAvailable(t *testing.T) {
	runs := func(kind string) bool { return kind != "customer_agent" }
	a := newTestAPI(t, testenv.SQLite(t), func(d *api.Deps) { d.Runs = runs })
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	w := a.createWorkflow(key, fmt.Sprintf(`{"name": "Agent", "lineAccountId": %q, "trigger": {"type": "manual"}, "start": "agent",
  "nodes": [{"id": "agent", "type": "customer_agent", "endpoint": "https://ai.example.com/v1/chat/completions"}]}`, account.ID))
	got := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	want := "customer_agent steps are not available: this engine cannot hand a conversation to a customer agent yet; remove the step to activate the workflow"
	if got.Fields["nodes[0].type"] != want {
		t.Fatalf("nodes[0].type = %q, want %q", got.Fields["nodes[0].type"], want)
	}
}
