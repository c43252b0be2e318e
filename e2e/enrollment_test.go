package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// varsDoc declares a var and greets with it.
const varsDoc = `{
  "name": "Coupon",
  "trigger": {"type": "manual"},
  "vars": ["coupon"],
  "start": "send",
  "nodes": [
    {"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Your coupon: {{vars.coupon}}"}]}
  ]
}`

func TestEnroll_OneRunPerFriendAndWorkflowAtATime(t *testing.T) {
	w := newWorld(t)
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	coupon := w.activeWorkflow(varsDoc)
	friendID, lineUserID := w.friend("Mina")

	first := w.enroll(survey, friendID)
	res := w.call(http.MethodPost, "/v1/workflows/"+survey+"/executions", map[string]any{"friendId": friendID})
	if res.status != http.StatusConflict || !strings.Contains(string(res.raw), "already enrolled") {
		t.Fatalf("second enrollment while running: %d %s, want 409 already enrolled", res.status, res.raw)
	}
	// Another workflow runs beside it.
	other := w.must(http.StatusCreated, http.MethodPost, "/v1/workflows/"+coupon+"/executions",
		map[string]any{"lineUserId": lineUserID, "vars": map[string]string{"coupon": "SPRING10"}}).str("id")
	w.waitForStatus([]string{other}, models.ExecutionCompleted, 30*time.Second)
	if got := w.texts(lineUserID); !contains(got, "Your coupon: SPRING10") {
		t.Fatalf("delivered %q", got)
	}

	// Once the run ends the friend may enter again.
	w.waitForWaiting([]string{first}, "ask", 30*time.Second)
	w.must(http.StatusAccepted, http.MethodPost, "/v1/executions/"+first+"/replies", map[string]any{"text": "Tea"})
	w.waitForStatus([]string{first}, models.ExecutionCompleted, 30*time.Second)
	again := w.enroll(survey, friendID)
	if again == first {
		t.Fatal("re-entry reused the execution")
	}
	list := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+survey+"/executions?status=running", nil)
	if items := list.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != again {
		t.Fatalf("running executions: %s", list.raw)
	}
	// The refused enrollment left no row behind.
	all := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+survey+"/executions", nil)
	if n := len(all.body["items"].([]any)); n != 2 {
		t.Fatalf("%d executions listed, want 2: %s", n, all.raw)
	}
}

func TestEnroll_RefusesWhatCannotRun(t *testing.T) {
	w := newWorld(t)
	coupon := w.activeWorkflow(varsDoc)
	paused := w.activeWorkflow(testenv.SurveyDefinition)
	w.must(http.StatusOK, http.MethodPost, "/v1/workflows/"+paused+"/pause", nil)
	friendID, _ := w.friend("Mina")
	blockedID, blockedUser := w.friend("Gone")
	w.channel.Block(blockedUser)
	// The follow/block webhook is the LINE issue's; here the row says it directly.
	if err := w.store.DB().Table("friends").Where("id = ?", blockedID).Update("blocked_at", time.Now()).Error; err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		workflow string
		body     map[string]any
		status   int
		field    string
	}{
		{"undeclared var", coupon, map[string]any{"friendId": friendID, "vars": map[string]string{"discount": "5"}}, 422, "vars.discount"},
		{"unknown friend", coupon, map[string]any{"friendId": "01a20000-0000-7000-8000-000000000000"}, 422, "friendId"},
		{"blocked friend", coupon, map[string]any{"friendId": blockedID}, 422, "friendId"},
		{"paused workflow", paused, map[string]any{"friendId": friendID}, 409, "status"},
		{"unknown workflow", "01a20000-0000-7000-8000-000000000001", map[string]any{"friendId": friendID}, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := w.call(http.MethodPost, "/v1/workflows/"+c.workflow+"/executions", c.body)
			if res.status != c.status {
				t.Fatalf("status %d, want %d: %s", res.status, c.status, res.raw)
			}
			if c.field != "" {
				fields, _ := res.body["error"].(map[string]any)["fields"].(map[string]any)
				if _, ok := fields[c.field]; !ok {
					t.Fatalf("error does not name %s: %s", c.field, res.raw)
				}
			}
		})
	}
	var n int64
	w.store.DB().Table("executions").Where("workspace_id = ?", w.workspace).Count(&n)
	if n != 0 {
		t.Fatalf("refused enrollments left %d executions", n)
	}
}

func TestExecution_StopEjectsOneFriend(t *testing.T) {
	w := newWorld(t)
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	mina, _ := w.friend("Mina")
	ken, _ := w.friend("Ken")
	stopped, going := w.enroll(survey, mina), w.enroll(survey, ken)
	w.waitForWaiting([]string{stopped, going}, "ask", 30*time.Second)

	res := w.must(http.StatusOK, http.MethodPost, "/v1/executions/"+stopped+"/stop", nil)
	if res.str("status") != "ejected" {
		t.Fatalf("stop answered %s", res.raw)
	}
	again := w.call(http.MethodPost, "/v1/executions/"+stopped+"/stop", nil)
	if again.status != http.StatusConflict {
		t.Fatalf("second stop: %d %s, want 409", again.status, again.raw)
	}
	reply := w.call(http.MethodPost, "/v1/executions/"+stopped+"/replies", map[string]any{"text": "Tea"})
	if reply.status != http.StatusConflict {
		t.Fatalf("reply to an ejected run: %d %s, want 409", reply.status, reply.raw)
	}
	w.waitFor("the trace to show the ejection", 10*time.Second, func() bool {
		return strings.HasSuffix(traceOf(w.execution(stopped)), "ask:ejected:")
	})
	// The other friend's run is untouched.
	w.must(http.StatusAccepted, http.MethodPost, "/v1/executions/"+going+"/replies", map[string]any{"text": "Coffee"})
	w.waitForStatus([]string{going}, models.ExecutionCompleted, 30*time.Second)
}

// chainDoc enrolls the friend in another workflow, then thanks them; if the other
// workflow refuses, it says so.
const chainDoc = `{
  "name": "Chain",
  "trigger": {"type": "manual"},
  "start": "start",
  "nodes": [
    {"id": "start", "type": "start_workflow", "workflowId": "TARGET", "vars": {"coupon": "FOR-{{friend.displayName}}"}, "next": "ok", "failed": "refused"},
    {"id": "ok", "type": "send_message", "messages": [{"type": "text", "text": "Started."}]},
    {"id": "refused", "type": "send_message", "messages": [{"type": "text", "text": "Could not start."}]}
  ]
}`

func TestStartWorkflow_EnrollsInTheOtherWorkflowOrTakesFailed(t *testing.T) {
	w := newWorld(t)
	coupon := w.activeWorkflow(varsDoc)
	chain := w.activeWorkflow(strings.Replace(chainDoc, "TARGET", coupon, 1))
	friendID, lineUserID := w.friend("Mina")

	first := w.enroll(chain, friendID)
	w.waitForStatus([]string{first}, models.ExecutionCompleted, 30*time.Second)
	w.waitFor("the coupon", 30*time.Second, func() bool { return contains(w.texts(lineUserID), "Your coupon: FOR-Mina") })
	started := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+coupon+"/executions", nil).body["items"].([]any)
	if len(started) != 1 {
		t.Fatalf("the other workflow has %d executions, want 1", len(started))
	}
	if got := traceOf(w.execution(first)); got != "start:succeeded:next|ok:succeeded:next" {
		t.Fatalf("trace %s", got)
	}

	// With the other workflow paused, the step takes failed.
	w.must(http.StatusOK, http.MethodPost, "/v1/workflows/"+coupon+"/pause", nil)
	second := w.enroll(chain, friendID)
	w.waitForStatus([]string{second}, models.ExecutionCompleted, 30*time.Second)
	x := w.execution(second)
	if got := traceOf(x); got != "start:failed:failed|refused:succeeded:next" {
		t.Fatalf("trace %s", got)
	}
	if trace := x.body["trace"].([]any); !strings.Contains(trace[0].(map[string]any)["error"].(string), "paused") {
		t.Fatalf("the failed step does not say why: %v", trace[0])
	}
}

func TestJourney_VisibleInTemporal(t *testing.T) {
	w := newWorld(t)
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	friendID, lineUserID := w.friend("Mina")
	id := w.enroll(survey, friendID)
	w.waitForWaiting([]string{id}, "ask", 30*time.Second)
	temporalID := w.execution(id).str("temporalWorkflowId")
	ctx := context.Background()

	// The app database says "waiting at ask" from inside the workflow task that parks
	// the run; the search attribute upsert and the question's timer are persisted only
	// when that task completes, a moment later. So each is polled, never read once.
	w.waitUntil("the run's search attributes and memo", 30*time.Second, func() error {
		desc, err := w.temporal.DescribeWorkflowExecution(ctx, temporalID, "")
		if err != nil {
			return err
		}
		info := desc.GetWorkflowExecutionInfo()
		if info.GetType().GetName() != workflows.JourneyName {
			return fmt.Errorf("workflow type %s", info.GetType().GetName())
		}
		var name string
		if err := converter.GetDefaultDataConverter().FromPayload(info.GetMemo().GetFields()[workflows.MemoWorkflowName], &name); err != nil || !strings.HasPrefix(name, "Welcome survey") {
			return fmt.Errorf("memo workflowName = %q, %v", name, err)
		}
		attrs := info.GetSearchAttributes().GetIndexedFields()
		for key, want := range map[string]string{
			"LumoWorkflowId": survey, "LumoFriendId": friendID, "LumoLineUserId": lineUserID,
			"LumoWorkspaceId": w.workspace, "LumoCurrentNode": "ask",
		} {
			var got string
			if p := attrs[key]; p == nil || converter.GetDefaultDataConverter().FromPayload(p, &got) != nil || got != want {
				return fmt.Errorf("search attribute %s = %q, want %q", key, got, want)
			}
		}
		return nil
	})
	w.waitUntil("the state query", 30*time.Second, func() error {
		value, err := w.temporal.QueryWorkflow(ctx, temporalID, "", workflows.StateQuery)
		if err != nil {
			return err
		}
		var state workflows.JourneyState
		if err := value.Get(&state); err != nil || state.Node != "ask" || state.Waiting == "" {
			return fmt.Errorf("state query = %+v, %v", state, err)
		}
		return nil
	})
	// The history names the steps.
	w.waitUntil("a timer whose summary names the question", 30*time.Second, func() error {
		iter := w.temporal.GetWorkflowHistory(ctx, temporalID, "", false, 0)
		for iter.HasNext() {
			event, err := iter.Next()
			if err != nil {
				return err
			}
			if attr := event.GetTimerStartedEventAttributes(); attr != nil && strings.Contains(string(event.GetUserMetadata().GetSummary().GetData()), "waiting for answer to ask") {
				return nil
			}
		}
		return errors.New("the question's timer has no summary naming it")
	})
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
