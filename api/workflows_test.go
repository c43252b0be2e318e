package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestWorkflows_InvalidDraftIsSavedButActivationNamesEveryProblem(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		draft := `{
  "name": "Half done",
  "trigger": {"type": "message_received", "match": {"mode": "regex", "keywords": ["(unclosed"]}},
  "start": "hello",
  "nodes": [
    {"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Hi {{vars.coupon}}"}], "next": "nowhere"},
    {"id": "wait", "type": "delay", "duration": "soon"},
    {"id": "tag", "type": "tag", "add": ["x"], "colour": "red"}
  ]
}`
		w := a.createWorkflow(key, draft)
		if w.Status != "draft" || len(w.Problems) == 0 {
			t.Fatalf("draft = %+v", w)
		}
		res := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "")
		got := res.wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		for _, path := range []string{
			"lineAccountId",
			"trigger.match.keywords[0]",
			"nodes[0].next",
			"nodes[0].messages[0].text",
			"nodes[1].duration",
			"nodes[2].colour",
		} {
			if _, ok := got.Fields[path]; !ok {
				t.Errorf("no problem at %s; fields: %v", path, got.Fields)
			}
		}
		if !strings.Contains(got.Fields["nodes[0].next"], `unknown node "nowhere"`) {
			t.Errorf("nodes[0].next = %q", got.Fields["nodes[0].next"])
		}
		// Nothing changed: still a draft, no version.
		if after := a.getWorkflow(t, key, w.ID); after.Status != "draft" || after.Version != nil {
			t.Fatalf("after refused activation: %+v", after)
		}
	})
}

func TestWorkflows_LimitsAreRefusedNamingTheLimit(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")

	var nodes []string
	for i := range 101 {
		next := ""
		if i < 100 {
			next = fmt.Sprintf(`, "next": "n%d"`, i+1)
		}
		nodes = append(nodes, fmt.Sprintf(`{"id": "n%d", "type": "delay", "duration": "1h"%s}`, i, next))
	}
	tooMany := `{"name": "Long", "trigger": {"type": "manual"}, "start": "n0", "nodes": [` + strings.Join(nodes, ",") + `]}`
	got := a.do(http.MethodPost, "/v1/workflows", key, tooMany).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(got.Fields["nodes"], "100") {
		t.Errorf("101 steps: fields = %v, want the limit 100 named at nodes", got.Fields)
	}

	padding := strings.Repeat("x", 401*1024)
	tooBig := `{"name": "Big", "description": "` + padding + `", "trigger": {"type": "manual"}, "start": "a", "nodes": [{"id": "a", "type": "delay", "duration": "1h"}]}`
	for _, route := range []string{"/v1/workflows", "/v1/workflows/import"} {
		got := a.do(http.MethodPost, route, key, tooBig).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
		if !strings.Contains(got.Message, "400 KB") {
			t.Errorf("%s: message %q does not name the 400 KB limit", route, got.Message)
		}
	}
}

func TestWorkflows_WaitlessLoopIsRefusedNamingItsNodes(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	loop := fmt.Sprintf(`{"name": "Spin", "lineAccountId": %q, "trigger": {"type": "manual"}, "start": "a",
  "nodes": [
    {"id": "a", "type": "tag", "add": ["x"], "next": "b"},
    {"id": "b", "type": "tag", "remove": ["x"], "next": "a"}
  ]}`, account.ID)
	w := a.createWorkflow(key, loop)
	got := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	found := false
	for _, message := range got.Fields {
		if strings.Contains(message, "loop") && strings.Contains(message, "a") && strings.Contains(message, "b") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no loop problem naming a and b: %v", got.Fields)
	}
}

func TestWorkflows_TwoWorkflowsThatStartEachOtherAreRefused(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		starter := func(name, target string) string {
			return fmt.Sprintf(`{"name": %q, "lineAccountId": %q, "trigger": {"type": "manual"}, "start": "go",
  "nodes": [{"id": "go", "type": "start_workflow", "workflowId": %q}]}`, name, account.ID, target)
		}
		first := a.createWorkflow(key, welcomeDefinition("First", account.ID))
		second := a.createWorkflow(key, starter("Second", first.ID))
		a.do(http.MethodPost, "/v1/workflows/"+second.ID+"/activate", key, "").wantStatus(t, http.StatusOK)

		res := a.do(http.MethodPut, "/v1/workflows/"+first.ID, key, starter("First", second.ID))
		res.wantStatus(t, http.StatusOK)
		got := a.do(http.MethodPost, "/v1/workflows/"+first.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		message := got.Fields["nodes[0].workflowId"]
		if !strings.Contains(message, "First") || !strings.Contains(message, "Second") {
			t.Fatalf("fields = %v, want a loop naming First and Second at nodes[0].workflowId", got.Fields)
		}
	})
}

func TestWorkflows_ExportImportRoundTripsByteForByte(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		original := a.activeWorkflow(key, "Welcome", account.ID)

		exported := a.do(http.MethodGet, "/v1/workflows/"+original.ID+"/export", key, "")
		exported.wantStatus(t, http.StatusOK)
		if cd := exported.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="welcome.lumo.json"`) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		res := a.do(http.MethodPost, "/v1/workflows/import", key, string(exported.body))
		res.wantStatus(t, http.StatusCreated)
		var imported struct {
			Workflow           workflow `json:"workflow"`
			RenamedFrom        string   `json:"renamedFrom"`
			StrippedReferences []any    `json:"strippedReferences"`
		}
		res.decode(t, &imported)
		if imported.Workflow.Name != "Welcome (2)" || imported.RenamedFrom != "Welcome" || len(imported.StrippedReferences) != 0 {
			t.Fatalf("import = %+v", imported)
		}
		again := a.do(http.MethodGet, "/v1/workflows/"+imported.Workflow.ID+"/export", key, "")
		again.wantStatus(t, http.StatusOK)
		want := bytes.Replace(exported.body, []byte(`"name": "Welcome"`), []byte(`"name": "Welcome (2)"`), 1)
		if !bytes.Equal(again.body, want) {
			t.Fatalf("export after import differs:\n--- first\n%s\n--- second\n%s", exported.body, again.body)
		}
		// A third import gets the next free name.
		third := a.do(http.MethodPost, "/v1/workflows/import", key, string(exported.body))
		third.wantStatus(t, http.StatusCreated)
		if !strings.Contains(string(third.body), `"name":"Welcome (3)"`) {
			t.Fatalf("third import: %s", third.body)
		}
	})
}

func TestWorkflows_ImportIntoAnotherWorkspaceStripsItsReferences(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, keyA := a.workspace("a")
	_, keyB := a.workspace("b")
	account := a.createAccount(keyA, "Shop", "1650000000")
	w := a.activeWorkflow(keyA, "Welcome", account.ID)
	file := a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/export", keyA, "")
	file.wantStatus(t, http.StatusOK)

	res := a.do(http.MethodPost, "/v1/workflows/import", keyB, string(file.body))
	res.wantStatus(t, http.StatusCreated)
	var imported struct {
		Workflow           workflow `json:"workflow"`
		StrippedReferences []struct {
			Kind, ID, Path string
		} `json:"strippedReferences"`
	}
	res.decode(t, &imported)
	if len(imported.StrippedReferences) != 1 || imported.StrippedReferences[0].Path != "lineAccountId" || imported.StrippedReferences[0].ID != account.ID {
		t.Fatalf("stripped = %+v", imported.StrippedReferences)
	}
	if imported.Workflow.LineAccountID != nil || imported.Workflow.Name != "Welcome" {
		t.Fatalf("workflow = %+v", imported.Workflow)
	}
}

func TestWorkflows_ImportRefusesAnInvalidFile(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name, body string
		status     int
	}{
		{"not JSON", `{"name":`, http.StatusBadRequest},
		{"unknown node type", `{"name": "X", "trigger": {"type": "manual"}, "start": "a", "nodes": [{"id": "a", "type": "teleport"}]}`, http.StatusUnprocessableEntity},
		{"unknown field", `{"name": "X", "trigger": {"type": "manual"}, "start": "a", "nodes": [{"id": "a", "type": "delay", "duration": "1h"}], "colour": "red"}`, http.StatusUnprocessableEntity},
	}
	for _, tc := range cases {
		res := a.do(http.MethodPost, "/v1/workflows/import", key, tc.body)
		if res.status != tc.status || !strings.Contains(string(res.body), "invalid workflow file") {
			t.Errorf("%s: %d %s", tc.name, res.status, res.body)
		}
	}
}

func TestWorkflows_LifecycleTransitions(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		action := func(id, verb string) response {
			return a.do(http.MethodPost, "/v1/workflows/"+id+"/"+verb, key, "")
		}
		refused := func(id, verb, status string) {
			t.Helper()
			got := action(id, verb).wantError(t, http.StatusConflict, "conflict")
			if got.Fields["status"] != status || !strings.Contains(got.Message, verb) {
				t.Errorf("%s on %s: %+v", verb, status, got)
			}
		}

		w := a.createWorkflow(key, welcomeDefinition("Life", account.ID))
		refused(w.ID, "pause", "draft")
		refused(w.ID, "stop", "draft")
		action(w.ID, "activate").wantStatus(t, http.StatusOK)
		refused(w.ID, "archive", "active")
		a.do(http.MethodDelete, "/v1/workflows/"+w.ID, key, "").wantError(t, http.StatusConflict, "conflict")
		action(w.ID, "pause").wantStatus(t, http.StatusOK)
		refused(w.ID, "pause", "paused")
		action(w.ID, "activate").wantStatus(t, http.StatusOK) // resume
		action(w.ID, "stop").wantStatus(t, http.StatusOK)
		refused(w.ID, "pause", "stopped")
		action(w.ID, "archive").wantStatus(t, http.StatusOK)
		for _, verb := range []string{"activate", "pause", "stop", "archive"} {
			refused(w.ID, verb, "archived")
		}
		a.do(http.MethodPut, "/v1/workflows/"+w.ID, key, welcomeDefinition("Life", account.ID)).wantError(t, http.StatusConflict, "conflict")
		a.do(http.MethodDelete, "/v1/workflows/"+w.ID, key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodGet, "/v1/workflows/"+w.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestWorkflows_ReactivationFreezesANewVersionAndListsShowPublishing(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")

		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v1/workflows", strings.NewReader(welcomeDefinition("Welcome", account.ID)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Lumo-Actor", "mina@shop.example")
		created := a.send(req)
		created.wantStatus(t, http.StatusCreated)
		var w workflow
		created.decode(t, &w)
		if w.CreatedBy != "mina@shop.example" || w.Version != nil || w.LastPublishedBy != nil {
			t.Fatalf("created = %+v", w)
		}
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		// Editing the active workflow edits its draft only.
		edited := strings.Replace(welcomeDefinition("Welcome", account.ID), `"24h"`, `"48h"`, 1)
		a.do(http.MethodPut, "/v1/workflows/"+w.ID, key, edited).wantStatus(t, http.StatusOK)
		v1 := a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/versions/1", key, "")
		v1.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(v1.body), `24h`) || strings.Contains(string(v1.body), `48h`) {
			t.Fatalf("version 1 changed by an edit: %s", v1.body)
		}
		// Activating again freezes version 2; activating unchanged adds none.
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		after := a.getWorkflow(t, key, w.ID)
		if after.Version == nil || *after.Version != 2 || after.LastPublishedBy == nil || *after.LastPublishedBy == "" || after.LastPublishedAt == nil {
			t.Fatalf("after re-activation = %+v", after)
		}
		versions := a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/versions", key, "")
		versions.wantStatus(t, http.StatusOK)
		if strings.Count(string(versions.body), `"version":`) != 2 {
			t.Fatalf("versions: %s", versions.body)
		}

		list := a.do(http.MethodGet, "/v1/workflows?status=active", key, "")
		list.wantStatus(t, http.StatusOK)
		for _, field := range []string{`"status":"active"`, `"version":2`, `"createdBy":"mina@shop.example"`, `"createdAt"`, `"lastPublishedBy"`, `"lastPublishedAt"`} {
			if !strings.Contains(string(list.body), field) {
				t.Errorf("list lacks %s: %s", field, list.body)
			}
		}
		if strings.Contains(string(list.body), `"definition"`) {
			t.Errorf("list items carry their definitions: %s", list.body)
		}
		a.do(http.MethodGet, "/v1/workflows?status=sleeping", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	})
}

func TestWorkflows_CloneAndTemplates(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	w := a.activeWorkflow(key, "Welcome", account.ID)

	res := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/clone", key, "")
	res.wantStatus(t, http.StatusCreated)
	var clone workflow
	res.decode(t, &clone)
	if clone.Name != "Welcome (clone)" || clone.Status != "draft" || !strings.Contains(string(clone.Definition), `"Welcome (clone)"`) {
		t.Fatalf("clone = %+v", clone)
	}

	templates := a.do(http.MethodGet, "/v1/workflow-templates", key, "")
	templates.wantStatus(t, http.StatusOK)
	for _, id := range []string{"welcome-message", "keyword-auto-reply", "survey-tag-by-answer", "qr-lead-capture", "abandoned-cart-follow-up"} {
		if !strings.Contains(string(templates.body), `"id":"`+id+`"`) {
			t.Errorf("template %s missing", id)
		}
	}
	body := fmt.Sprintf(`{"templateId": "welcome-message", "lineAccountId": %q}`, account.ID)
	made := a.do(http.MethodPost, "/v1/workflows/from-template", key, body)
	made.wantStatus(t, http.StatusCreated)
	var fromTemplate workflow
	made.decode(t, &fromTemplate)
	if fromTemplate.Status != "draft" || fromTemplate.LineAccountID == nil || *fromTemplate.LineAccountID != account.ID {
		t.Fatalf("from template = %+v", fromTemplate)
	}
	a.do(http.MethodPost, "/v1/workflows/from-template", key, `{"templateId": "nope"}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
}

func TestWorkflows_ActivationRefusesStepsTheEngineCannotRun(t *testing.T) {
	runs := func(kind string) bool { return kind != "send_data" }
	a := newTestAPI(t, testenv.SQLite(t), func(d *api.Deps) { d.Runs = runs })
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	doc := fmt.Sprintf(`{"name": "Hook", "lineAccountId": %q, "trigger": {"type": "manual"}, "start": "post",
  "nodes": [{"id": "post", "type": "send_data", "url": "https://hooks.example/x"}]}`, account.ID)
	w := a.createWorkflow(key, doc)
	got := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(got.Fields["nodes[0].type"], "not available yet") {
		t.Fatalf("fields = %v", got.Fields)
	}
}

func TestWorkflows_SmallRefusals(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	w := a.activeWorkflow(key, "Welcome", account.ID)

	got := a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/versions/9", key, "").wantError(t, http.StatusNotFound, "not_found")
	if got.Message != "version not found" {
		t.Errorf("unknown version: %q", got.Message)
	}
	a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/export?version=9", key, "").wantError(t, http.StatusNotFound, "not_found")
	a.do(http.MethodGet, "/v1/workflows/"+w.ID+"/export?version=x", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	for _, name := range []string{`"   "`, `"two\nlines"`} {
		a.do(http.MethodPost, "/v1/workflows/from-template", key, `{"templateId": "welcome-message", "name": `+name+`}`).
			wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	}
	// A question that saves a fixed marker tag activates: the tag is created.
	survey := fmt.Sprintf(`{"name": "Survey", "lineAccountId": %q, "trigger": {"type": "manual"}, "start": "ask",
  "nodes": [{"id": "ask", "type": "question", "message": {"type": "text", "text": "Email?"},
             "answer": {"type": "email"}, "saveTo": {"tag": "answered_survey"}}]}`, account.ID)
	s := a.createWorkflow(key, survey)
	a.do(http.MethodPost, "/v1/workflows/"+s.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
}
