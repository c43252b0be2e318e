package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/models"
)

// BroadcastName is the workflow type of a broadcast.
const BroadcastName = "lumo.Broadcast"

// BroadcastWorkflowID is the Temporal workflow ID of a broadcast: one run at a time per
// broadcast, and a resume starts the next under the same ID.
func BroadcastWorkflowID(broadcastID string) string { return "lumo-broadcast/" + broadcastID }

// broadcastSendBatches is how many batches one Send activity sends before it reports
// back: 200 batches are 100,000 recipients, a few events of history.
const broadcastSendBatches = 200

// BroadcastInput names the broadcast and when it starts (nil: now).
type BroadcastInput struct {
	WorkspaceID string
	BroadcastID string
	ScheduledAt *time.Time
}

// BroadcastResult is how the broadcast ended.
type BroadcastResult struct {
	Status models.BroadcastStatus
	Reason string
}

// errBroadcastStopped marks a failure the broadcast has been finished for already.
var errBroadcastStopped = errors.New("broadcast ended")

// Broadcast sends one broadcast: it waits for its scheduled time (a cancel wins), copies
// its recipients from the segment, then sends them the messages a batch at a time, and
// records how it ended. Every step is an activity that reads where to go on from the
// database, so the workflow carries no recipient list: its history holds a few events
// per 100,000 recipients, and it continues as new when Temporal suggests it.
func Broadcast(ctx workflow.Context, in BroadcastInput) (BroadcastResult, error) {
	ref := activities.BroadcastRef{WorkspaceID: in.WorkspaceID, BroadcastID: in.BroadcastID}
	result, err := runBroadcast(ctx, in, ref)
	switch {
	case temporal.IsCanceledError(err):
		// Cancelled (POST /v1/broadcasts/{id}/cancel): the row says so, even if the API
		// could not write it.
		if err := finishBroadcast(ctx, ref, models.BroadcastCancelled, ""); err != nil {
			return BroadcastResult{}, err
		}
		return BroadcastResult{}, temporal.NewCanceledError()
	case err != nil && !errors.Is(err, errBroadcastStopped) && !workflow.IsContinueAsNewError(err):
		// An activity gave up (a LINE account gone, say): the broadcast cannot go on.
		_ = finishBroadcast(ctx, ref, models.BroadcastFailed, "the broadcast could not go on: "+errorWords(err))
	}
	return result, err
}

func runBroadcast(ctx workflow.Context, in BroadcastInput, ref activities.BroadcastRef) (BroadcastResult, error) {
	if in.ScheduledAt != nil {
		if wait := in.ScheduledAt.Sub(workflow.Now(ctx)); wait > 0 {
			if err := workflow.NewTimer(ctx, wait).Get(ctx, nil); err != nil {
				return BroadcastResult{}, err
			}
		}
	}
	ctx = workflow.WithActivityOptions(ctx, broadcastActivityOptions)

	var state activities.BroadcastState
	if err := workflow.ExecuteActivity(ctx, activities.BroadcastsBeginName, ref).Get(ctx, &state); err != nil {
		return BroadcastResult{}, err
	}
	for state.Status == models.BroadcastRunning && !state.SnapshotDone {
		if err := workflow.ExecuteActivity(ctx, activities.BroadcastsSnapshotName, ref).Get(ctx, &state); err != nil {
			return BroadcastResult{}, err
		}
		if err := continueIfSuggested(ctx, in); err != nil {
			return BroadcastResult{}, err
		}
	}
	if state.Status != models.BroadcastRunning {
		return BroadcastResult{Status: state.Status}, nil
	}

	sendCtx := workflow.WithActivityOptions(ctx, broadcastSendOptions)
	for {
		var out activities.SendOutcome
		err := workflow.ExecuteActivity(sendCtx, activities.BroadcastsSendName, activities.SendInput{
			Broadcast: ref, MaxBatches: broadcastSendBatches,
		}).Get(ctx, &out)
		if err != nil {
			return BroadcastResult{}, err
		}
		switch out.Next {
		case activities.SendMore:
			if err := continueIfSuggested(ctx, in); err != nil {
				return BroadcastResult{}, err
			}
			continue
		case activities.SendDone:
			return BroadcastResult{Status: models.BroadcastCompleted}, finishBroadcast(ctx, ref, models.BroadcastCompleted, "")
		case activities.SendStopped:
			return BroadcastResult{Status: models.BroadcastStopped, Reason: out.Reason}, finishBroadcast(ctx, ref, models.BroadcastStopped, out.Reason)
		case activities.SendFailed:
			if err := finishBroadcast(ctx, ref, models.BroadcastFailed, out.Reason); err != nil {
				return BroadcastResult{}, err
			}
			return BroadcastResult{Status: models.BroadcastFailed, Reason: out.Reason}, nil
		default: // ended by someone else: cancelled through the database
			return BroadcastResult{Status: models.BroadcastCancelled}, nil
		}
	}
}

// continueIfSuggested continues the broadcast as a new run when its history has grown
// long; the new run finds its place in the database.
func continueIfSuggested(ctx workflow.Context, in BroadcastInput) error {
	if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		in.ScheduledAt = nil
		return workflow.NewContinueAsNewError(ctx, BroadcastName, in)
	}
	return nil
}

// finishBroadcast records how the broadcast ended. It runs on a disconnected context, so
// that it is recorded even when the workflow is being cancelled.
func finishBroadcast(ctx workflow.Context, ref activities.BroadcastRef, status models.BroadcastStatus, reason string) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithActivityOptions(ctx, broadcastActivityOptions)
	return workflow.ExecuteActivity(ctx, activities.BroadcastsFinishName, activities.FinishInput{
		Broadcast: ref, Status: status, Reason: reason,
	}).Get(ctx, nil)
}

// errorWords is an activity error's own message, without Temporal's wrapping.
func errorWords(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return "an activity failed"
}

// broadcastRetry retries for as long as it takes, backing off to a minute: a broadcast
// waits out LINE or the database being down rather than give up on its recipients.
var broadcastRetry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
}

var broadcastActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 5 * time.Minute,
	HeartbeatTimeout:    30 * time.Second,
	RetryPolicy:         broadcastRetry,
}

// broadcastSendOptions: a Send heartbeats at every batch, at most a second apart at the
// lowest rate, so a worker that dies is noticed within the heartbeat timeout and the
// batch resumes on another; WaitForCancellation lets a cancelled Send finish recording
// the batch it is on before the broadcast is marked cancelled.
var broadcastSendOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Minute,
	HeartbeatTimeout:    10 * time.Second,
	WaitForCancellation: true,
	RetryPolicy:         broadcastRetry,
}
