package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// InboxName is the workflow type that handles one friend's LINE events.
const InboxName = "lumo.LineInbox"

// InboxSignal carries a batch of one friend's webhook events (an InboxBatch).
const InboxSignal = "events"

// inboxMemory is how many event IDs an inbox remembers to drop redeliveries that get
// past the webhook's own check (a delivery retried after Temporal took it).
const inboxMemory = 1000

// InboxWorkflowID is the ID of the inbox of a LINE user on an account: one per friend,
// so that friend's events are handled one at a time, in order.
func InboxWorkflowID(lineAccountID, lineUserID string) string {
	return "lumo-inbox/" + lineAccountID + "/" + lineUserID
}

// InboxInput names whose events the inbox handles; Seen carries the remembered event
// IDs across continue-as-new.
type InboxInput struct {
	WorkspaceID   string
	LineAccountID string
	LineUserID    string
	Seen          []string
}

// InboxBatch is the events of one webhook delivery for this friend.
type InboxBatch struct {
	Events []models.LineEvent
}

// LineInbox handles a friend's LINE events in timestamp order: it keeps the friend's
// record (follow, unfollow), routes a reply to the question waiting for it (with its
// reply token), fires the exit condition for other messages, and enrolls the friend in
// the workflows the event triggers, qr_code_scanned for a scan their follow or their
// scan-code message claimed. It is started (or signalled) by the webhook and ends
// when no event is left; the next event starts it again.
func LineInbox(ctx workflow.Context, in InboxInput) error {
	x := &inbox{in: in, seen: map[string]bool{}}
	for _, id := range in.Seen {
		x.seen[id] = true
	}
	x.order = slices.Clone(in.Seen)
	batches := workflow.GetSignalChannel(ctx, InboxSignal)
	for {
		var queue []models.LineEvent
		for {
			var batch InboxBatch
			if !batches.ReceiveAsync(&batch) {
				break
			}
			queue = append(queue, batch.Events...)
		}
		if len(queue) == 0 {
			return nil // nothing left; a signal arriving now makes Temporal run this again
		}
		slices.SortStableFunc(queue, func(a, b models.LineEvent) int { return a.Timestamp.Compare(b.Timestamp) })
		for _, e := range queue {
			if x.seen[e.ID] {
				continue
			}
			if err := x.handle(ctx, e); err != nil {
				return err
			}
			x.remember(e.ID)
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if batches.Len() > 0 {
				continue // handle what has come before starting afresh
			}
			next := in
			next.Seen = x.order
			return workflow.NewContinueAsNewError(ctx, InboxName, next)
		}
	}
}

type inbox struct {
	in    InboxInput
	seen  map[string]bool
	order []string
}

func (x *inbox) remember(id string) {
	x.seen[id] = true
	x.order = append(x.order, id)
	if len(x.order) > inboxMemory {
		delete(x.seen, x.order[0])
		x.order = x.order[1:]
	}
}

// handle acts on one event.
func (x *inbox) handle(ctx workflow.Context, e models.LineEvent) error {
	local := dbOptions(ctx)
	var friend activities.EventFriend
	err := workflow.ExecuteLocalActivity(local, activities.FriendsFromEventName, activities.FriendEventInput{
		WorkspaceID: x.in.WorkspaceID, LineAccountID: x.in.LineAccountID, Event: e,
	}).Get(ctx, &friend)
	if err != nil {
		return err
	}

	trigger := definition.TriggerEvent{}
	props := map[string]string{}
	switch e.Type {
	case models.LineEventFollow:
		trigger.Type = definition.TriggerFriendAdded
		props["isUnblocked"] = strconv.FormatBool(e.IsUnblocked)
	case models.LineEventUnfollow:
		// A friend who blocks the account leaves every workflow they are in.
		if err := x.cancelRuns(ctx, friend, "ejected: the friend blocked the account"); err != nil {
			return err
		}
		trigger.Type = definition.TriggerBlocked
	case models.LineEventMessage, models.LineEventPostback:
		if friend.ScanMessage {
			// The text a QR code scan put in the friend's input box: it credits the scan
			// (FriendFromEvent claimed it) and is nothing else, so it answers no question,
			// matches no keyword and ends no run. Histories from before scan codes carry
			// no ScanMessage in their recorded results, so they replay as they ran.
			return x.enrollScanned(ctx, friend, e)
		}
		answered, err := x.answer(ctx, friend, e)
		if err != nil {
			return err
		}
		// Every other run of the friend was not waiting for this message: those whose
		// workflow exits on incoming messages end.
		if err := x.exitIncoming(ctx, friend, answered); err != nil {
			return err
		}
		if answered != "" {
			return nil // an answer fires no trigger
		}
		if e.Type == models.LineEventMessage {
			if e.MessageType != "text" {
				return nil // only text messages match keywords
			}
			trigger.Type, trigger.Text, props["text"] = definition.TriggerMessageReceived, e.Text, e.Text
		} else {
			trigger.Type, trigger.Data, props["data"] = definition.TriggerPostbackReceived, e.PostbackData, e.PostbackData
			for k, v := range e.PostbackParams {
				props["params."+k] = v
			}
		}
	case models.LineEventVideoPlayComplete:
		trigger.Type, trigger.TrackingID, props["trackingId"] = definition.TriggerVideoViewCompleted, e.TrackingID, e.TrackingID
	default:
		return nil
	}
	if err := x.enroll(ctx, friend, e, trigger, props); err != nil {
		return err
	}
	if e.Type == models.LineEventFollow {
		return x.enrollScanned(ctx, friend, e)
	}
	return nil
}

// enrollScanned fires qr_code_scanned for the scan the event credited to the friend,
// if it credited one.
func (x *inbox) enrollScanned(ctx workflow.Context, friend activities.EventFriend, e models.LineEvent) error {
	if friend.QRCodeID == "" {
		return nil
	}
	qr := definition.TriggerEvent{Type: definition.TriggerQRCodeScanned, QRCodeID: friend.QRCodeID}
	return x.enroll(ctx, friend, e, qr, map[string]string{"qrCodeId": friend.QRCodeID})
}

// answer signals a text or postback to the question the friend is answering, if one
// waits (the event's reply token goes with it), and returns that run's workflow ID.
func (x *inbox) answer(ctx workflow.Context, friend activities.EventFriend, e models.LineEvent) (string, error) {
	if e.Type == models.LineEventMessage && e.MessageType != "text" {
		return "", nil
	}
	var waiting activities.RunRef
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.ExecutionsAwaitingAnswerName, activities.FriendRef{
		WorkspaceID: x.in.WorkspaceID, FriendID: friend.FriendID,
	}).Get(ctx, &waiting)
	if err != nil || waiting.TemporalWorkflowID == "" {
		return "", err
	}
	reply := Reply{Text: e.Text, Postback: e.PostbackData, ReplyToken: e.ReplyToken, ReceivedAt: e.Timestamp, EventID: e.ID}
	err = workflow.SignalExternalWorkflow(ctx, waiting.TemporalWorkflowID, "", ReplySignal, reply).Get(ctx, nil)
	if err != nil {
		// The run ended between the look-up and the signal: the message is not an answer.
		workflow.GetLogger(ctx).Info("the question's run is gone", "workflowID", waiting.TemporalWorkflowID, "error", err)
		return "", nil
	}
	return waiting.TemporalWorkflowID, nil
}

// exitIncoming tells the friend's running runs, but the one whose question the message
// answered, that a message came in: runs whose workflow exits on incoming messages end.
func (x *inbox) exitIncoming(ctx workflow.Context, friend activities.EventFriend, answered string) error {
	runs, err := x.runningRuns(ctx, friend)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.TemporalWorkflowID == answered {
			continue
		}
		err := workflow.SignalExternalWorkflow(ctx, run.TemporalWorkflowID, "", ExitSignal, Exit{Event: definition.ExitOnIncomingMessage}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Info("exit signal not delivered", "workflowID", run.TemporalWorkflowID, "error", err)
		}
	}
	return nil
}

// cancelRuns ejects every running run of the friend.
func (x *inbox) cancelRuns(ctx workflow.Context, friend activities.EventFriend, reason string) error {
	runs, err := x.runningRuns(ctx, friend)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if err := workflow.RequestCancelExternalWorkflow(ctx, run.TemporalWorkflowID, "").Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Info("cancel not delivered", "workflowID", run.TemporalWorkflowID, "reason", reason, "error", err)
		}
	}
	return nil
}

func (x *inbox) runningRuns(ctx workflow.Context, friend activities.EventFriend) ([]activities.RunRef, error) {
	var runs []activities.RunRef
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.ExecutionsRunningOfFriendName, activities.FriendRef{
		WorkspaceID: x.in.WorkspaceID, FriendID: friend.FriendID,
	}).Get(ctx, &runs)
	return runs, err
}

// enroll starts every workflow of the account the event triggers. Each enrollment's
// execution ID is derived from the event and the workflow, so a retry enrolls once; a
// refusal (already enrolled, paused since) is logged and skipped.
func (x *inbox) enroll(ctx workflow.Context, friend activities.EventFriend, e models.LineEvent, trigger definition.TriggerEvent, props map[string]string) error {
	var workflowIDs []string
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.WorkflowsTriggeredName, activities.TriggeredInput{
		WorkspaceID: x.in.WorkspaceID, LineAccountID: x.in.LineAccountID, Event: trigger,
	}).Get(ctx, &workflowIDs)
	if err != nil {
		return err
	}
	props["type"] = trigger.Type
	for _, workflowID := range workflowIDs {
		enrollment := models.Enrollment{
			WorkspaceID:  x.in.WorkspaceID,
			WorkflowID:   workflowID,
			FriendID:     friend.FriendID,
			Trigger:      props,
			ReplyToken:   e.ReplyToken,
			ReplyTokenAt: e.Timestamp,
			ExecutionID:  deterministicUUID(fmt.Sprintf("event/%s/%s/%s", x.in.LineAccountID, e.ID, workflowID)),
		}
		err := x.start(ctx, activities.StartInput{Enrollment: enrollment}, trigger.Type+" starts workflow "+workflowID)
		if err != nil {
			workflow.GetLogger(ctx).Info("enrollment refused", "workflowID", workflowID, "event", e.ID, "error", err)
		}
	}
	return nil
}

// start enrolls from the inbox. Since changeInboxLocalEnroll it is a local activity:
// the enrollment is on the path from a friend's event to their first message, a
// regular activity costs a round trip through the task queue, and repeating it is
// harmless (the execution ID makes a repeat return the same execution).
func (x *inbox) start(ctx workflow.Context, in activities.StartInput, summary string) error {
	retry := &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrEnrollmentRefused},
	}
	if workflow.GetVersion(ctx, changeInboxLocalEnroll, workflow.DefaultVersion, 1) >= 1 {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout:    30 * time.Second,
			ScheduleToCloseTimeout: time.Hour,
			RetryPolicy:            retry,
			Summary:                summary,
		})
		return workflow.ExecuteLocalActivity(lctx, activities.WorkflowsStartName, in).Get(ctx, nil)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            retry,
		Summary:                summary,
	})
	return workflow.ExecuteActivity(actx, activities.WorkflowsStartName, in).Get(ctx, nil)
}
