package workflows_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/workflows"
)

// The outlets of the kinds the survey does not take: each case is a small graph, what
// the world looks like before it runs, and the trace and state it must leave.
func TestSteps_Outlets(t *testing.T) {
	const menu = "richmenu-0123456789abcdef0123456789abcdef"
	cases := []struct {
		name      string
		doc       string
		before    func(t *testing.T, w *journeyWorld)
		wantTrace string
		check     func(t *testing.T, w *journeyWorld)
	}{
		{
			name: "send_message refused by LINE takes failed",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "hello", "nodes": [
				{"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Hi"}], "next": "ok", "failed": "note"},
				{"id": "ok", "type": "tag", "add": ["greeted"]},
				{"id": "note", "type": "tag", "add": ["unreachable"]}]}`,
			before:    func(t *testing.T, w *journeyWorld) { w.channel.SetMonthlyQuota(0) },
			wantTrace: "hello:failed:failed|note:succeeded:next",
			check: func(t *testing.T, w *journeyWorld) {
				if got := w.tags(t); got != "unreachable" {
					t.Errorf("tags %q", got)
				}
			},
		},
		{
			name: "tag adds and removes",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "retag", "nodes": [
				{"id": "retag", "type": "tag", "add": ["customer", "vip"], "remove": ["lead"]}]}`,
			before: func(t *testing.T, w *journeyWorld) {
				if err := w.store.AddFriendTags(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID, []string{"lead", "newsletter"}, ""); err != nil {
					t.Fatal(err)
				}
			},
			wantTrace: "retag:succeeded:next",
			check: func(t *testing.T, w *journeyWorld) {
				if got := w.tags(t); got != "customer,newsletter,vip" {
					t.Errorf("tags %q", got)
				}
			},
		},
		{
			name: "branch on tags takes the first case that holds, else otherwise",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "sort", "nodes": [
				{"id": "sort", "type": "branch", "branches": [
					{"when": {"all": [{"tag": "vip"}, {"notTag": "churned"}]}, "next": "vip"},
					{"when": {"any": [{"tag": "lead"}, {"field": "score", "op": "gte", "value": 50}]}, "next": "warm"}],
				 "else": "cold"},
				{"id": "vip", "type": "tag", "add": ["was_vip"]},
				{"id": "warm", "type": "tag", "add": ["was_warm"]},
				{"id": "cold", "type": "tag", "add": ["was_cold"]}]}`,
			before: func(t *testing.T, w *journeyWorld) {
				ctx := context.Background()
				if err := w.store.AddFriendTags(ctx, w.input.WorkspaceID, w.input.Friend.FriendID, []string{"vip", "churned"}, ""); err != nil {
					t.Fatal(err)
				}
				if err := w.store.SetFriendField(ctx, w.input.WorkspaceID, w.input.Friend.FriendID, "score", 72); err != nil {
					t.Fatal(err)
				}
			},
			wantTrace: "sort:succeeded:branches[1].next|warm:succeeded:next",
		},
		{
			name: "branch else",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "sort", "nodes": [
				{"id": "sort", "type": "branch", "branches": [{"when": {"tag": "vip"}, "next": "vip"}], "else": "cold"},
				{"id": "vip", "type": "tag", "add": ["was_vip"]},
				{"id": "cold", "type": "tag", "add": ["was_cold"]}]}`,
			wantTrace: "sort:succeeded:else|cold:succeeded:next",
		},
		{
			name: "rich_menu links then unlinks",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "link", "nodes": [
				{"id": "link", "type": "rich_menu", "action": "link", "richMenuId": "` + menu + `", "next": "check"},
				{"id": "check", "type": "delay", "duration": "1h", "next": "unlink"},
				{"id": "unlink", "type": "rich_menu", "action": "unlink"}]}`,
			before: func(t *testing.T, w *journeyWorld) {
				w.channel.AddRichMenu(menu)
				w.env.RegisterDelayedCallback(func() {
					if got := w.channel.RichMenuOf(w.input.Friend.LineUserID); got != menu {
						t.Errorf("linked rich menu %q while the delay runs, want %q", got, menu)
					}
				}, 30*time.Minute)
			},
			wantTrace: "link:succeeded:next|check:succeeded:next|unlink:succeeded:next",
			check: func(t *testing.T, w *journeyWorld) {
				if got := w.channel.RichMenuOf(w.input.Friend.LineUserID); got != "" {
					t.Errorf("rich menu %q after unlink", got)
				}
			},
		},
		{
			name: "rich_menu LINE does not know takes failed",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "link", "nodes": [
				{"id": "link", "type": "rich_menu", "action": "link", "richMenuId": "` + menu + `", "next": "ok", "failed": "oops"},
				{"id": "ok", "type": "tag", "add": ["menu"]},
				{"id": "oops", "type": "tag", "add": ["no_menu"]}]}`,
			wantTrace: "link:failed:failed|oops:succeeded:next",
		},
		{
			name: "question saves the answer as a tag with a prefix, replacing the last",
			doc: `{"name": "x", "trigger": {"type": "manual"}, "start": "ask", "nodes": [
				{"id": "ask", "type": "question", "message": {"type": "text", "text": "Size?"},
				 "answer": {"type": "choice", "choices": ["S", "M", "L"]}, "saveTo": {"tagPrefix": "size:"}}]}`,
			before: func(t *testing.T, w *journeyWorld) {
				if err := w.store.AddFriendTags(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID, []string{"size:S"}, ""); err != nil {
					t.Fatal(err)
				}
				w.replyAfter(time.Hour, "l")
			},
			wantTrace: "ask:succeeded:next",
			check: func(t *testing.T, w *journeyWorld) {
				if got := w.tags(t); got != "size:L" {
					t.Errorf("tags %q", got)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newJourneyWorld(t, c.doc)
			if c.before != nil {
				c.before(t, w)
			}
			w.run(t)
			if err := w.env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			if got := strings.Join(w.steps(t), "|"); got != c.wantTrace {
				t.Fatalf("trace %s, want %s", got, c.wantTrace)
			}
			if c.check != nil {
				c.check(t, w)
			}
		})
	}
}

// loopDoc asks until the answer is a number; every invalid answer goes round again.
const loopDoc = `{"name": "x", "trigger": {"type": "manual"}, "start": "ask", "nodes": [
	{"id": "ask", "type": "question", "message": {"type": "text", "text": "How many?"},
	 "answer": {"type": "number"}, "saveTo": {"field": "count"}, "next": "thanks", "invalid": "ask"},
	{"id": "thanks", "type": "send_message", "messages": [{"type": "text", "text": "Noted: {{friend.fields.count}}"}]}]}`

func TestJourney_VisitCapEndsARunawayLoop(t *testing.T) {
	w := newJourneyWorld(t, loopDoc)
	w.input.Limits.MaxVisits = 4
	for i := range 10 {
		w.replyAfter(time.Duration(i+1)*time.Hour, "many")
	}
	w.run(t)
	err := w.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "visited 4 nodes") {
		t.Fatalf("workflow error %v, want the visit cap", err)
	}
	if got := len(w.steps(t)); got != 4 {
		t.Fatalf("%d trace rows, want 4", got)
	}
}

func TestJourney_ContinuesAsNewWithItsPlaceAndUnreadReplies(t *testing.T) {
	w := newJourneyWorld(t, loopDoc)
	w.env.RegisterDelayedCallback(func() {
		w.env.SignalWorkflow(workflows.ReplySignal, workflows.Reply{Text: "lots"})
		w.env.SignalWorkflow(workflows.ReplySignal, workflows.Reply{Text: "12"})
		w.env.SetContinueAsNewSuggested(true)
	}, time.Hour)
	w.env.ExecuteWorkflow(workflows.JourneyName, w.input)

	var next *workflow.ContinueAsNewError
	if err := w.env.GetWorkflowError(); !errors.As(err, &next) {
		t.Fatalf("workflow error %v, want continue-as-new", err)
	}
	var in workflows.JourneyInput
	if err := converter.GetDefaultDataConverter().FromPayloads(next.Input, &in); err != nil {
		t.Fatal(err)
	}
	r := in.Resume
	if r == nil || r.Node != "ask" || r.TotalVisits != 1 || len(r.PendingReplies) != 1 || r.PendingReplies[0].Text != "12" {
		t.Fatalf("resume point %+v", r)
	}

	// The next run picks up at the question, answered by the reply it carried.
	then := w.env.Now()
	w.env = newEnvFor(t, w)
	w.env.SetStartTime(then.Add(time.Minute))
	w.input = in
	result := w.run(t)
	if result.Status != "completed" || result.Visits != 3 {
		t.Fatalf("result %+v, err %v", result, w.env.GetWorkflowError())
	}
	if got := strings.Join(w.steps(t), "|"); got != "ask:succeeded:invalid|ask:succeeded:next|thanks:succeeded:next" {
		t.Fatalf("trace %s", got)
	}
}

func TestJourney_AReplyLINEKeepsRefusingIsPushedOnceTheTokenIsSpent(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.line.Inject(linefake.Fault{Endpoint: linefake.EndpointReply, Status: http.StatusServiceUnavailable, Times: 1000})
	w.replyAfter(time.Hour, "Tea")
	result := w.run(t)
	if result.Status != "completed" {
		t.Fatalf("result %+v, err %v", result, w.env.GetWorkflowError())
	}
	want := []string{"push:Welcome, Mina!", "push:Coffee or tea?", "push:Enjoy your Tea, Mina!"}
	if got := w.delivered(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}
