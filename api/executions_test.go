package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// These tests run without an Engine (Temporal): executions are written to the Store
// directly, as the interpreter would, and the routes that need the engine are checked up
// to the point where they would call it. The engine's side is tested end to end with
// the real Temporal server in the e2e package.

// execution is an execution as the API returns it.
type execution struct {
	ID                 string      `json:"id"`
	WorkflowID         string      `json:"workflowId"`
	WorkflowName       string      `json:"workflowName"`
	Version            int         `json:"version"`
	VersionID          string      `json:"versionId"`
	FriendID           string      `json:"friendId"`
	LineAccountID      string      `json:"lineAccountId"`
	Status             string      `json:"status"`
	CurrentNode        string      `json:"currentNode"`
	Error              string      `json:"error"`
	Test               bool        `json:"test"`
	StartedAt          time.Time   `json:"startedAt"`
	FinishedAt         *time.Time  `json:"finishedAt"`
	TemporalWorkflowID string      `json:"temporalWorkflowId"`
	TemporalRunID      string      `json:"temporalRunId"`
	Trace              []traceStep `json:"trace"`
}

type traceStep struct {
	NodeID     string     `json:"nodeId"`
	NodeType   string     `json:"nodeType"`
	Visit      int        `json:"visit"`
	Outcome    string     `json:"outcome"`
	Outlet     string     `json:"outlet"`
	Error      string     `json:"error"`
	LineAPI    string     `json:"lineApi"`
	Messages   int        `json:"messages"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt"`
}

type executionList struct {
	Items      []execution `json:"items"`
	NextCursor string      `json:"nextCursor"`
}

type workflowStats struct {
	Total     int64       `json:"total"`
	Running   int64       `json:"running"`
	Completed int64       `json:"completed"`
	Failed    int64       `json:"failed"`
	Ejected   int64       `json:"ejected"`
	Nodes     []nodeStats `json:"nodes"`
}

type nodeStats struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Total     int64  `json:"total"`
	Succeeded int64  `json:"succeeded"`
	Failed    int64  `json:"failed"`
	Waiting   int64  `json:"waiting"`
}

// lineUser returns a well-formed LINE user ID, different for each n.
func lineUser(n int) string { return fmt.Sprintf("U%032x", n) }

// execution records a running execution of the active workflow for the friend
// lineUserID of the LINE account, straight in the Store, and returns it.
func (a *testAPI) execution(workspaceID, lineAccountID, workflowID, lineUserID string, test bool) models.Execution {
	a.t.Helper()
	ctx := context.Background()
	friend, err := a.store.UpsertFriend(ctx, workspaceID, lineAccountID, lineUserID, models.FriendProfile{DisplayName: "Friend " + lineUserID})
	if err != nil {
		a.t.Fatal(err)
	}
	w, err := a.store.GetWorkflow(ctx, workspaceID, workflowID)
	if err != nil {
		a.t.Fatal(err)
	}
	if w.ActiveVersionID == nil {
		a.t.Fatalf("workflow %s was never activated", workflowID)
	}
	e := models.Execution{
		ID:                 models.NewID(),
		WorkspaceID:        workspaceID,
		WorkflowID:         workflowID,
		VersionID:          *w.ActiveVersionID,
		Version:            w.ActiveVersion,
		FriendID:           friend.ID,
		LineAccountID:      lineAccountID,
		TemporalWorkflowID: "lumo/" + workflowID + "/" + friend.ID,
		Test:               test,
	}
	if err := a.store.CreateExecution(ctx, e); err != nil {
		a.t.Fatal(err)
	}
	if e, err = a.store.GetExecution(ctx, workspaceID, e.ID); err != nil {
		a.t.Fatal(err)
	}
	return e
}

// executionsFixture is a workspace with a LINE account and an active welcome workflow
// (nodes hello, wait, tag), and a second workspace.
type executionsFixture struct {
	*testAPI
	ws, key    string
	otherKey   string
	account    string
	workflow   workflow
	nextFriend int
}

func newExecutionsFixture(t *testing.T, db *database.DB) *executionsFixture {
	t.Helper()
	a := newTestAPI(t, db)
	ws, key := a.workspace("acme")
	_, otherKey := a.workspace("globex")
	account := a.createAccount(key, "Shop", "1650000000").ID
	return &executionsFixture{
		testAPI:  a,
		ws:       ws,
		key:      key,
		otherKey: otherKey,
		account:  account,
		workflow: a.activeWorkflow(key, "Welcome", account),
	}
}

// run records a run of the fixture's workflow for a new friend, with its trace, and
// ends it in status (running leaves it running).
func (f *executionsFixture) run(t *testing.T, status models.ExecutionStatus, test bool, trace ...models.ExecutionStep) models.Execution {
	t.Helper()
	f.nextFriend++
	e := f.execution(f.ws, f.account, f.workflow.ID, lineUser(f.nextFriend), test)
	ctx := context.Background()
	for _, step := range trace {
		step.WorkspaceID, step.ExecutionID = f.ws, e.ID
		if step.Visit == 0 {
			step.Visit = 1
		}
		if err := f.store.RecordStep(ctx, step); err != nil {
			t.Fatal(err)
		}
	}
	if status != models.ExecutionRunning {
		if err := f.store.UpdateExecution(ctx, f.ws, e.ID, models.ExecutionChange{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := f.store.GetExecution(ctx, f.ws, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// step is a visit to a node of the welcome workflow, started at minute of a fixed hour.
func step(node, kind, outcome string, minute int) models.ExecutionStep {
	return models.ExecutionStep{
		NodeID: node, NodeType: kind, Outcome: outcome,
		StartedAt: time.Date(2030, 1, 2, 3, minute, 0, 0, time.UTC),
	}
}

// listPages follows nextCursor from query to the last page and returns each page's IDs.
func (f *executionsFixture) listPages(t *testing.T, query string) [][]string {
	t.Helper()
	var pages [][]string
	cursor := ""
	for range 20 {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		res := f.do(http.MethodGet, "/v1/workflows/"+f.workflow.ID+"/executions?"+q, f.key, "")
		res.wantStatus(t, http.StatusOK)
		if strings.Contains(string(res.body), `"trace"`) {
			t.Errorf("list items carry their trace: %s", res.body)
		}
		var list executionList
		res.decode(t, &list)
		ids := []string{}
		for _, e := range list.Items {
			if e.WorkflowName != "Welcome" || e.WorkflowID != f.workflow.ID {
				t.Errorf("item %+v", e)
			}
			ids = append(ids, e.ID)
		}
		pages = append(pages, ids)
		if cursor = list.NextCursor; cursor == "" {
			return pages
		}
	}
	t.Fatalf("%s: no last page after 20", query)
	return nil
}

func TestExecutions_ListFiltersByStatusAndPagesNewestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		// Oldest first: e[0] … e[4].
		e := []models.Execution{
			f.run(t, models.ExecutionRunning, false),
			f.run(t, models.ExecutionCompleted, false),
			f.run(t, models.ExecutionFailed, false),
			f.run(t, models.ExecutionCompleted, false),
			f.run(t, models.ExecutionRunning, true),
		}
		// Another workflow's run is in no list of this one.
		other := f.activeWorkflow(f.key, "Other", f.account)
		f.execution(f.ws, f.account, other.ID, lineUser(99), false)

		cases := []struct {
			query string
			want  [][]string
		}{
			{"", [][]string{{e[4].ID, e[3].ID, e[2].ID, e[1].ID, e[0].ID}}},
			{"limit=2", [][]string{{e[4].ID, e[3].ID}, {e[2].ID, e[1].ID}, {e[0].ID}}},
			{"status=completed", [][]string{{e[3].ID, e[1].ID}}},
			{"status=running&limit=1", [][]string{{e[4].ID}, {e[0].ID}}},
			{"status=failed", [][]string{{e[2].ID}}},
			{"status=ejected", [][]string{{}}},
		}
		for _, c := range cases {
			if got := f.listPages(t, c.query); !reflect.DeepEqual(got, c.want) {
				t.Errorf("?%s: pages %v, want %v", c.query, got, c.want)
			}
		}

		var list executionList
		res := f.do(http.MethodGet, "/v1/workflows/"+f.workflow.ID+"/executions?status=running&limit=1", f.key, "")
		res.decode(t, &list)
		if got := list.Items[0]; !got.Test || got.Status != "running" || got.FriendID != e[4].FriendID || got.Version != 1 {
			t.Errorf("test run as listed: %+v", got)
		}
	})
}

func TestExecutions_GetShowsTheRunAndItsTraceInRunOrder(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		sent := step("hello", "send_message", "succeeded", 1)
		sent.Outlet, sent.LineAPI, sent.Messages = "next", "push", 1
		done := sent.StartedAt.Add(2 * time.Second)
		sent.FinishedAt = &done
		// Written out of order: the trace comes in the order the run went.
		e := f.run(t, models.ExecutionRunning, false, step("wait", "delay", "waiting", 2), sent)

		res := f.do(http.MethodGet, "/v1/executions/"+e.ID, f.key, "")
		res.wantStatus(t, http.StatusOK)
		var got execution
		res.decode(t, &got)
		want := execution{
			ID: e.ID, WorkflowID: f.workflow.ID, WorkflowName: "Welcome", Version: 1, VersionID: e.VersionID,
			FriendID: e.FriendID, LineAccountID: f.account, Status: "running",
			StartedAt: e.StartedAt.UTC(), TemporalWorkflowID: e.TemporalWorkflowID,
			Trace: []traceStep{
				{NodeID: "hello", NodeType: "send_message", Visit: 1, Outcome: "succeeded", Outlet: "next", LineAPI: "push", Messages: 1, StartedAt: sent.StartedAt, FinishedAt: &done},
				{NodeID: "wait", NodeType: "delay", Visit: 1, Outcome: "waiting", StartedAt: step("", "", "", 2).StartedAt},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("execution\n got %+v\nwant %+v", got, want)
		}

		// Every field is there, null or empty rather than missing.
		var raw map[string]json.RawMessage
		res.decode(t, &raw)
		for _, key := range []string{"id", "workflowId", "workflowName", "version", "versionId", "friendId", "lineAccountId", "status", "currentNode", "error", "test", "startedAt", "finishedAt", "temporalWorkflowId", "temporalRunId", "trace"} {
			if _, ok := raw[key]; !ok {
				t.Errorf("no %q in %s", key, res.body)
			}
		}

		fresh := f.run(t, models.ExecutionCompleted, false)
		res = f.do(http.MethodGet, "/v1/executions/"+fresh.ID, f.key, "")
		res.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(res.body), `"trace":[]`) || !strings.Contains(string(res.body), `"status":"completed"`) {
			t.Errorf("a run without steps: %s", res.body)
		}
		res.decode(t, &got)
		if got.FinishedAt == nil {
			t.Errorf("a completed run without finishedAt: %s", res.body)
		}
	})
}

func TestWorkflowStats_CountRunsAndListNodesInGraphOrder(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		hello, helloFailed := step("hello", "send_message", "succeeded", 1), step("hello", "send_message", "failed", 1)
		waited, waiting := step("wait", "delay", "succeeded", 2), step("wait", "delay", "waiting", 2)
		tagged := step("tag", "tag", "succeeded", 3)
		f.run(t, models.ExecutionCompleted, false, hello, waited, tagged)
		f.run(t, models.ExecutionRunning, false, hello, waiting)
		f.run(t, models.ExecutionFailed, false, helloFailed)
		// Ejected while waiting: the visit says waiting, but nothing waits any more.
		f.run(t, models.ExecutionEjected, false, hello, waiting)
		// A run of an older version, whose nodes the active version no longer has.
		f.run(t, models.ExecutionRunning, false, step("zz_intro", "send_message", "succeeded", 1), step("aa_ask", "question", "waiting", 2))
		// Test runs count nowhere.
		f.run(t, models.ExecutionFailed, true, helloFailed)

		res := f.do(http.MethodGet, "/v1/workflows/"+f.workflow.ID+"/stats", f.key, "")
		res.wantStatus(t, http.StatusOK)
		var got workflowStats
		res.decode(t, &got)
		want := workflowStats{
			Total: 5, Running: 2, Completed: 1, Failed: 1, Ejected: 1,
			Nodes: []nodeStats{
				{ID: "hello", Type: "send_message", Total: 4, Succeeded: 3, Failed: 1},
				{ID: "wait", Type: "delay", Total: 3, Succeeded: 1, Waiting: 1},
				{ID: "tag", Type: "tag", Total: 1, Succeeded: 1},
				{ID: "aa_ask", Type: "question", Total: 1, Waiting: 1},
				{ID: "zz_intro", Type: "send_message", Total: 1, Succeeded: 1},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stats\n got %+v\nwant %+v", got, want)
		}

		// A workflow never activated: zeros, and its draft's nodes.
		draft := f.createWorkflow(f.key, welcomeDefinition("Draft", f.account))
		res = f.do(http.MethodGet, "/v1/workflows/"+draft.ID+"/stats", f.key, "")
		res.wantStatus(t, http.StatusOK)
		res.decode(t, &got)
		want = workflowStats{Nodes: []nodeStats{{ID: "hello", Type: "send_message"}, {ID: "wait", Type: "delay"}, {ID: "tag", Type: "tag"}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stats of a draft\n got %+v\nwant %+v", got, want)
		}
		// A draft that is not a graph at all still has figures.
		broken := f.createWorkflow(f.key, `{"name": "Broken", "nodes": {"not": "a list"}}`)
		res = f.do(http.MethodGet, "/v1/workflows/"+broken.ID+"/stats", f.key, "")
		res.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(res.body), `"nodes":[]`) {
			t.Errorf("stats of a broken draft: %s", res.body)
		}
	})
}

func TestExecutions_OtherWorkspacesAndUnknownIDsAre404(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		e := f.run(t, models.ExecutionRunning, false)
		enroll := fmt.Sprintf(`{"lineUserId": %q}`, lineUser(1))
		cases := []struct {
			method, path, key, body, message string
		}{
			{http.MethodGet, "/v1/executions/" + e.ID, f.otherKey, "", "execution not found"},
			{http.MethodPost, "/v1/executions/" + e.ID + "/stop", f.otherKey, "", "execution not found"},
			{http.MethodPost, "/v1/executions/" + e.ID + "/replies", f.otherKey, `{"text": "hi"}`, "execution not found"},
			{http.MethodGet, "/v1/workflows/" + f.workflow.ID + "/executions", f.otherKey, "", "workflow not found"},
			{http.MethodPost, "/v1/workflows/" + f.workflow.ID + "/executions", f.otherKey, enroll, "workflow not found"},
			{http.MethodGet, "/v1/workflows/" + f.workflow.ID + "/stats", f.otherKey, "", "workflow not found"},
			{http.MethodGet, "/v1/executions/nope", f.key, "", "execution not found"},
			{http.MethodPost, "/v1/executions/nope/stop", f.key, "", "execution not found"},
			// An unknown object is a 404 before its body is looked at.
			{http.MethodPost, "/v1/executions/nope/replies", f.key, `{}`, "execution not found"},
			{http.MethodPost, "/v1/workflows/nope/executions", f.key, `{"both": 1}`, "workflow not found"},
			{http.MethodGet, "/v1/workflows/nope/executions?status=sleeping", f.key, "", "workflow not found"},
			{http.MethodGet, "/v1/workflows/nope/stats", f.key, "", "workflow not found"},
		}
		for _, c := range cases {
			got := f.do(c.method, c.path, c.key, c.body).wantError(t, http.StatusNotFound, "not_found")
			if got.Message != c.message {
				t.Errorf("%s %s: message %q, want %q", c.method, c.path, got.Message, c.message)
			}
		}
	})
}

func TestExecutions_BadInputIsRefusedNamingEachField(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		e := f.run(t, models.ExecutionRunning, false)
		enroll := "/v1/workflows/" + f.workflow.ID + "/executions"
		reply := "/v1/executions/" + e.ID + "/replies"
		user := lineUser(0xabcdef) // with letters, so that upper case differs
		manyVars := map[string]string{}
		for i := range 51 {
			manyVars[fmt.Sprintf("v%d", i)] = "x"
		}
		tooMany, _ := json.Marshal(map[string]any{"lineUserId": user, "vars": manyVars})
		longVar, _ := json.Marshal(map[string]any{"lineUserId": user, "vars": map[string]string{"coupon": strings.Repeat("é", 2001)}})
		fullVar, _ := json.Marshal(map[string]any{"lineUserId": user, "vars": map[string]string{"coupon": strings.Repeat("é", 2000)}})

		cases := []struct {
			name, method, path, body string
			// fields are the paths the 422 must name, exactly.
			fields []string
			// status, when not 422: what a body that passes every check gets without an
			// engine (503), or a malformed one (400).
			status int
		}{
			{name: "enroll: both friendId and lineUserId", method: http.MethodPost, path: enroll, body: `{"friendId": "f1", "lineUserId": "` + user + `"}`, fields: []string{"friendId", "lineUserId"}},
			{name: "enroll: neither", method: http.MethodPost, path: enroll, body: `{"vars": {"coupon": "X1"}}`, fields: []string{"friendId", "lineUserId"}},
			{name: "enroll: empty body object", method: http.MethodPost, path: enroll, body: `{}`, fields: []string{"friendId", "lineUserId"}},
			{name: "enroll: lineUserId too short", method: http.MethodPost, path: enroll, body: `{"lineUserId": "U123"}`, fields: []string{"lineUserId"}},
			{name: "enroll: lineUserId in upper case", method: http.MethodPost, path: enroll, body: `{"lineUserId": "` + strings.ToUpper(user) + `"}`, fields: []string{"lineUserId"}},
			{name: "enroll: lineUserId without U", method: http.MethodPost, path: enroll, body: `{"lineUserId": "C` + user[1:] + `"}`, fields: []string{"lineUserId"}},
			{name: "enroll: 51 vars", method: http.MethodPost, path: enroll, body: string(tooMany), fields: []string{"vars"}},
			{name: "enroll: a var of 2001 characters", method: http.MethodPost, path: enroll, body: string(longVar), fields: []string{"vars[coupon]"}},
			{name: "enroll: a var with an empty name", method: http.MethodPost, path: enroll, body: `{"lineUserId": "` + user + `", "vars": {"": "x"}}`, fields: []string{"vars[]"}},
			{name: "enroll: unknown field", method: http.MethodPost, path: enroll, body: `{"lineUserId": "` + user + `", "friend": "f1"}`, fields: []string{"friend"}},
			{name: "enroll: every problem at once", method: http.MethodPost, path: enroll, body: `{"lineUserId": "nope", "friendId": "f1", "vars": {"coupon": "` + strings.Repeat("x", 2001) + `"}}`, fields: []string{"friendId", "lineUserId", "vars[coupon]"}},
			{name: "enroll: malformed JSON", method: http.MethodPost, path: enroll, body: `{"lineUserId": `, status: http.StatusBadRequest},
			{name: "enroll: a var of 2000 characters passes", method: http.MethodPost, path: enroll, body: string(fullVar), status: http.StatusServiceUnavailable},
			{name: "list: unknown status", method: http.MethodGet, path: enroll + "?status=paused", fields: []string{"status"}},
			{name: "list: limit 0", method: http.MethodGet, path: enroll + "?limit=0", fields: []string{"limit"}},
			{name: "list: foreign cursor", method: http.MethodGet, path: enroll + "?cursor=!!", fields: []string{"cursor"}},
			{name: "reply: both text and postback", method: http.MethodPost, path: reply, body: `{"text": "Coffee", "postback": "drink=coffee"}`, fields: []string{"text", "postback"}},
			{name: "reply: neither", method: http.MethodPost, path: reply, body: `{}`, fields: []string{"text", "postback"}},
			{name: "reply: empty text", method: http.MethodPost, path: reply, body: `{"text": ""}`, fields: []string{"text", "postback"}},
			{name: "reply: text of 5001 characters", method: http.MethodPost, path: reply, body: `{"text": "` + strings.Repeat("x", 5001) + `"}`, fields: []string{"text"}},
			{name: "reply: postback of 301 characters", method: http.MethodPost, path: reply, body: `{"postback": "` + strings.Repeat("x", 301) + `"}`, fields: []string{"postback"}},
			{name: "reply: unknown field", method: http.MethodPost, path: reply, body: `{"text": "hi", "replyToken": "x"}`, fields: []string{"replyToken"}},
			{name: "reply: text of 5000 characters passes", method: http.MethodPost, path: reply, body: `{"text": "` + strings.Repeat("x", 5000) + `"}`, status: http.StatusServiceUnavailable},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := f.do(c.method, c.path, f.key, c.body)
				switch c.status {
				case http.StatusBadRequest:
					res.wantError(t, c.status, "malformed_json")
					return
				case http.StatusServiceUnavailable:
					res.wantError(t, c.status, "unavailable")
					return
				}
				got := res.wantError(t, http.StatusUnprocessableEntity, "validation_failed")
				var paths []string
				for path := range got.Fields {
					paths = append(paths, path)
				}
				slices.Sort(paths)
				if want := slices.Sorted(slices.Values(c.fields)); !slices.Equal(paths, want) {
					t.Errorf("fields %v, want problems at %v", got.Fields, want)
				}
			})
		}
	})
}

func TestExecutions_WithoutAnEngineEnrollStopAndReplyAre503(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		e := f.run(t, models.ExecutionRunning, false)
		cases := []struct {
			name, path, body string
		}{
			{"enroll by friend", "/v1/workflows/" + f.workflow.ID + "/executions", `{"friendId": "` + e.FriendID + `"}`},
			{"enroll by LINE user", "/v1/workflows/" + f.workflow.ID + "/executions", `{"lineUserId": "` + lineUser(50) + `", "vars": {"coupon": "X1"}}`},
			{"stop", "/v1/executions/" + e.ID + "/stop", ""},
			{"reply with text", "/v1/executions/" + e.ID + "/replies", `{"text": "Coffee"}`},
			{"reply with postback", "/v1/executions/" + e.ID + "/replies", `{"postback": "drink=coffee"}`},
		}
		for _, c := range cases {
			got := f.do(http.MethodPost, c.path, f.key, c.body).wantError(t, http.StatusServiceUnavailable, "unavailable")
			if !strings.Contains(got.Message, "engine is not configured") {
				t.Errorf("%s: message %q", c.name, got.Message)
			}
		}
		// Nothing changed: the run goes on, and no one was enrolled.
		if after, err := f.store.GetExecution(context.Background(), f.ws, e.ID); err != nil || after.Status != models.ExecutionRunning {
			t.Errorf("after the refused calls: %+v, %v", after, err)
		}
		if pages := f.listPages(t, ""); !reflect.DeepEqual(pages, [][]string{{e.ID}}) {
			t.Errorf("executions after the refused enrollments: %v", pages)
		}
	})
}

func TestStopWorkflow_StoppingAgainAnswers200SoAFailedEjectionCanBeRetried(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionsFixture(t, db)
		var first, again workflow
		res := f.do(http.MethodPost, "/v1/workflows/"+f.workflow.ID+"/stop", f.key, "")
		res.wantStatus(t, http.StatusOK)
		res.decode(t, &first)
		res = f.do(http.MethodPost, "/v1/workflows/"+f.workflow.ID+"/stop", f.key, "")
		res.wantStatus(t, http.StatusOK)
		res.decode(t, &again)
		if first.Status != "stopped" || !reflect.DeepEqual(again, first) {
			t.Errorf("stop = %+v, stop again = %+v", first, again)
		}
		// Stop is still refused where it always was.
		draft := f.createWorkflow(f.key, welcomeDefinition("Draft", f.account))
		got := f.do(http.MethodPost, "/v1/workflows/"+draft.ID+"/stop", f.key, "").wantError(t, http.StatusConflict, "conflict")
		if got.Fields["status"] != "draft" {
			t.Errorf("stop of a draft: %+v", got)
		}
	})
}
