package engine

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// StartBroadcast saves a broadcast and starts its workflow (lumo.Broadcast), which
// waits for in.ScheduledAt if it is set. When Temporal refuses, the row is removed again
// and the error is models.ErrUnavailable.
func (e *Engine) StartBroadcast(ctx context.Context, workspaceID string, in models.BroadcastInput) (models.Broadcast, error) {
	b, err := e.Store.CreateBroadcast(ctx, workspaceID, in)
	if err != nil {
		return b, err
	}
	if err := e.startBroadcast(ctx, b, b.ScheduledAt, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING); err != nil {
		if discardErr := e.Store.DiscardBroadcast(ctx, workspaceID, b.ID); discardErr != nil {
			return models.Broadcast{}, errors.Join(err, discardErr)
		}
		return models.Broadcast{}, err
	}
	return b, nil
}

// CancelBroadcast cancels a scheduled, running or stopped broadcast. The database row is
// what the broadcast's workflow obeys (it sends no batch after reading it), so once it
// says cancelled the broadcast is; Temporal's cancel only wakes a workflow waiting for
// its time, or stops one between two batches, sooner. If Temporal cannot be reached the
// workflow finds out at its next step. A finished broadcast is a *models.ConflictError.
func (e *Engine) CancelBroadcast(ctx context.Context, workspaceID, id string) (models.Broadcast, error) {
	b, err := e.Store.CancelBroadcast(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	_ = e.Client.CancelWorkflow(ctx, workflows.BroadcastWorkflowID(id), "")
	return b, nil
}

// ResumeBroadcast sends the rest of a stopped broadcast: it is running again, and a new
// workflow run sends the batches not sent. Any other status is a *models.ConflictError;
// when Temporal refuses, the broadcast is stopped again and the error is
// models.ErrUnavailable.
func (e *Engine) ResumeBroadcast(ctx context.Context, workspaceID, id string) (models.Broadcast, error) {
	stopped, err := e.Store.GetBroadcast(ctx, workspaceID, id)
	if err != nil {
		return stopped, err
	}
	b, err := e.Store.ResumeBroadcast(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	// The stopped run may not have closed yet (it ends right after recording the stop):
	// it is replaced, so that the resume is never folded into it.
	if err := e.startBroadcast(ctx, b, nil, enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING); err != nil {
		if restopErr := e.Store.RestopBroadcast(ctx, workspaceID, id, stopped.StopReason); restopErr != nil {
			return models.Broadcast{}, errors.Join(err, restopErr)
		}
		return models.Broadcast{}, err
	}
	return b, nil
}

// startBroadcast starts the broadcast's workflow run, to wait until at (nil: now).
func (e *Engine) startBroadcast(ctx context.Context, b models.Broadcast, at *time.Time, onConflict enumspb.WorkflowIdConflictPolicy) error {
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.BroadcastWorkflowID(b.ID),
		TaskQueue:                e.TaskQueue,
		WorkflowIDConflictPolicy: onConflict,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            "broadcast to segment " + b.SegmentID,
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.AttrWorkspaceID.ValueSet(b.WorkspaceID)),
	}, workflows.BroadcastName, workflows.BroadcastInput{WorkspaceID: b.WorkspaceID, BroadcastID: b.ID, ScheduledAt: at})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return temporalError("start the broadcast", err)
}
