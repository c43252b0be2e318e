package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// promoFlow sends an auto message, and tags the friend by how that went.
const promoFlow = `{
  "name": "Promo",
  "trigger": {"type": "friend_added"},
  "start": "promo",
  "nodes": [
    {"id": "promo", "type": "send_auto_message", "autoMessageId": "set-by-the-test", "next": "sent", "failed": "unsent"},
    {"id": "sent", "type": "tag", "add": ["promo_sent"]},
    {"id": "unsent", "type": "tag", "add": ["promo_failed"]}
  ]
}`

// withAutoMessage saves an auto message in the world's workspace and points every
// send_auto_message step of the run at it.
func (w *journeyWorld) withAutoMessage(t *testing.T, messages string) models.AutoMessage {
	t.Helper()
	m, err := w.store.CreateAutoMessage(context.Background(), w.input.WorkspaceID, models.AutoMessageInput{
		Name: "Spring sale", Messages: []byte(messages),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range w.input.Definition.Nodes {
		if step, ok := n.(*definition.SendAutoMessage); ok {
			step.AutoMessageID = m.ID
		}
	}
	return m
}

func (w *journeyWorld) tags(t *testing.T) string {
	t.Helper()
	tags, err := w.store.FriendTags(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(tags, ",")
}

func TestSendAutoMessage_SendsTheAutoMessageAsItIsWhenTheStepRuns(t *testing.T) {
	w := newJourneyWorld(t, promoFlow)
	m := w.withAutoMessage(t, `[{"type":"text","text":"Old text"}]`)
	// Edited after activation: the step sends the edit.
	if _, err := w.store.UpdateAutoMessage(context.Background(), w.input.WorkspaceID, m.ID, models.AutoMessageInput{
		Name: "Spring sale", Messages: []byte(`[{"type":"text","text":"Sale starts today, {{friend.displayName}}!"},{"type":"text","text":"See you"}]`),
	}); err != nil {
		t.Fatal(err)
	}
	result := w.run(t)
	if result.Status != "completed" || result.LastNode != "sent" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	if got := strings.Join(w.delivered(), "|"); got != "push:Sale starts today, Mina!|push:See you" {
		t.Fatalf("delivered %s", got)
	}
	if got := strings.Join(w.steps(t), "|"); got != "promo:succeeded:next|sent:succeeded:next" {
		t.Fatalf("trace %s", got)
	}
	rows, err := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if err != nil || rows[0].LineAPI != "push" || rows[0].Messages != 2 {
		t.Fatalf("trace row = %+v, %v", rows[0], err)
	}
}

func TestSendAutoMessage_AnswersAFreshReplyTokenForFree(t *testing.T) {
	w := newJourneyWorld(t, promoFlow)
	w.withAutoMessage(t, `[{"type":"text","text":"Thanks for adding us"}]`)
	w.input.ReplyToken = &workflows.ReplyToken{
		Token:      w.channel.IssueReplyToken(w.input.Friend.LineUserID, time.Minute),
		ReceivedAt: w.env.Now(),
	}
	w.run(t)
	if got := strings.Join(w.delivered(), "|"); got != "reply:Thanks for adding us" {
		t.Fatalf("delivered %s", got)
	}
}

func TestSendAutoMessage_GoneTakesFailed(t *testing.T) {
	w := newJourneyWorld(t, promoFlow)
	m := w.withAutoMessage(t, `[{"type":"text","text":"Hi"}]`)
	if err := w.store.DeleteAutoMessage(context.Background(), w.input.WorkspaceID, m.ID); err != nil {
		t.Fatal(err)
	}
	result := w.run(t)
	if result.Status != "completed" || result.LastNode != "unsent" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	if got := w.steps(t); got[0] != "promo:failed:failed" {
		t.Fatalf("trace %v", got)
	}
	if got := w.delivered(); len(got) != 0 || w.tags(t) != "promo_failed" {
		t.Fatalf("delivered %v, tags %s", got, w.tags(t))
	}
	execution, _ := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if execution.Status != models.ExecutionCompleted || !strings.Contains(rows[0].Error, "not found") {
		t.Fatalf("execution %+v, step %+v", execution, rows[0])
	}
}

func TestSendAutoMessage_LineRefusalTakesFailed(t *testing.T) {
	w := newJourneyWorld(t, promoFlow)
	w.withAutoMessage(t, `[{"type":"text","text":"Hi"}]`)
	w.channel.SetMonthlyQuota(0)
	result := w.run(t)
	if result.LastNode != "unsent" || w.tags(t) != "promo_failed" {
		t.Fatalf("result = %+v, tags %s, err %v", result, w.tags(t), w.env.GetWorkflowError())
	}
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if !strings.Contains(rows[0].Error, "monthly limit") {
		t.Fatalf("step = %+v", rows[0])
	}
}

func TestSendAutoMessage_GoneWithoutFailedOutletFailsTheRun(t *testing.T) {
	w := newJourneyWorld(t, `{"name": "Promo", "trigger": {"type": "friend_added"}, "start": "promo",
  "nodes": [{"id": "promo", "type": "send_auto_message", "autoMessageId": "set-by-the-test"}]}`)
	m := w.withAutoMessage(t, `[{"type":"text","text":"Hi"}]`)
	if err := w.store.DeleteAutoMessage(context.Background(), w.input.WorkspaceID, m.ID); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	if err := w.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("workflow error = %v", err)
	}
	execution, _ := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if execution.Status != models.ExecutionFailed {
		t.Fatalf("execution = %+v", execution)
	}
}
