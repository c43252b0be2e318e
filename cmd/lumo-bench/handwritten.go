package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/models"
)

// The baseline of P1: the benchmark's journey written by hand, as a Temporal developer
// would write this one journey without Lumo. A webhook handler checks LINE's signature
// and starts one workflow per follow event; the workflow calls the same activities as
// Lumo's run (friend record with the LINE profile, friend snapshot, reply, add tag,
// snapshot for the branch, two pushes) with the same options, and nothing else: no
// inbox, no enrollment, no trace rows, no executions row, no search attribute updates.
// The ratio of the two latencies is what Lumo's generality costs.
const handWrittenName = "bench.HandWrittenWelcome"

// handWrittenInput is one follow event of the bench account.
type handWrittenInput struct {
	WorkspaceID   string
	LineAccountID string
	Event         models.LineEvent
}

func handWrittenWelcome(ctx workflow.Context, in handWrittenInput) error {
	db := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 15 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	})
	nonRetryable := []string{activities.ErrLineRejected, activities.ErrLineQuotaExceeded, activities.ErrReplyTokenInvalid}
	push := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: nonRetryable},
	})
	// A reply is a regular activity for the reason Lumo's is: it has no retry key, so it
	// must not run again with a retried workflow task.
	reply := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second,
			NonRetryableErrorTypes: nonRetryable},
	})

	var friend activities.EventFriend
	err := workflow.ExecuteLocalActivity(db, activities.FriendsFromEventName, activities.FriendEventInput{
		WorkspaceID: in.WorkspaceID, LineAccountID: in.LineAccountID, Event: in.Event,
	}).Get(ctx, &friend)
	if err != nil {
		return err
	}
	ref := activities.FriendRef{WorkspaceID: in.WorkspaceID, FriendID: friend.FriendID}
	to := activities.Recipient{WorkspaceID: in.WorkspaceID, LineAccountID: in.LineAccountID, FriendID: friend.FriendID, LineUserID: friend.LineUserID}

	var snapshot activities.FriendSnapshot
	if err := workflow.ExecuteLocalActivity(db, activities.FriendsSnapshotName, ref).Get(ctx, &snapshot); err != nil {
		return err
	}
	welcome := textMessages("Welcome, " + snapshot.DisplayName + "!")
	err = workflow.ExecuteActivity(reply, activities.LineReplyName, activities.ReplyInput{
		Recipient: to, ReplyToken: in.Event.ReplyToken, Messages: welcome,
	}).Get(ctx, nil)
	if err != nil {
		if err := pushOnce(ctx, push, to, welcome, "hello"); err != nil {
			return err
		}
	}
	err = workflow.ExecuteLocalActivity(db, activities.FriendsAddTagsName, activities.TagsInput{Friend: ref, Tags: []string{"welcomed"}}).Get(ctx, nil)
	if err != nil {
		return err
	}
	if err := workflow.ExecuteLocalActivity(db, activities.FriendsSnapshotName, ref).Get(ctx, &snapshot); err != nil {
		return err
	}
	if slices.Contains(snapshot.Tags, "welcomed") {
		if err := pushOnce(ctx, push, to, textMessages(tipsText), "tips"); err != nil {
			return err
		}
	}
	return pushOnce(ctx, push, to, textMessages(byeText), "bye")
}

// pushOnce pushes with a retry key derived from the run and the step, as Lumo does.
func pushOnce(ctx, push workflow.Context, to activities.Recipient, messages []json.RawMessage, step string) error {
	info := workflow.GetInfo(ctx)
	key := uuid.NewSHA1(uuid.NameSpaceURL, []byte(info.WorkflowExecution.ID+"/"+info.WorkflowExecution.RunID+"/"+step)).String()
	return workflow.ExecuteLocalActivity(push, activities.LinePushName, activities.PushInput{
		Recipient: to, Messages: messages, RetryKey: key,
	}).Get(ctx, nil)
}

func textMessages(text string) []json.RawMessage {
	raw, _ := json.Marshal(map[string]string{"type": "text", "text": text})
	return []json.RawMessage{raw}
}

// handWrittenWebhook is the hand-written app's webhook: LINE's signature check and one
// workflow start per follow event, answered once Temporal has the starts.
type handWrittenWebhook struct {
	temporal  client.Client
	taskQueue string
	workspace string
	account   string
}

func (h *handWrittenWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	callback, err := webhook.ParseRequest(channelSecret, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	for _, raw := range callback.Events {
		follow, ok := raw.(webhook.FollowEvent)
		if !ok {
			continue
		}
		source, ok := follow.Source.(webhook.UserSource)
		if !ok {
			continue
		}
		event := models.LineEvent{
			ID: follow.WebhookEventId, Type: models.LineEventFollow, UserID: source.UserId,
			ReplyToken: follow.ReplyToken, Timestamp: time.UnixMilli(follow.Timestamp).UTC(),
		}
		_, err := h.temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{
			ID: "bench-hand/" + event.ID, TaskQueue: h.taskQueue,
		}, handWrittenName, handWrittenInput{WorkspaceID: h.workspace, LineAccountID: h.account, Event: event})
		if err != nil {
			http.Error(w, fmt.Sprintf("start: %v", err), http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// noopName is the trivial workflow the raw start rate is measured with.
const noopName = "bench.Noop"

func noop(workflow.Context) error { return nil }
