package activities

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/lumoworkflows/lumo/models"
)

// ejectConcurrency bounds the cancellations one batch has in flight at once.
const ejectConcurrency = 16

// MemoExecutionID is the memo key naming a journey's executions row, set at its start.
const MemoExecutionID = "executionId"

// Ejections end running executions: Temporal cancels each run, and the row is marked
// ejected. It runs as a regular activity: it talks to the Temporal frontend, may take a
// while for a large batch (it heartbeats), and its retries belong in the history.
type Ejections struct {
	Store     *models.Store
	Temporal  client.Client
	Namespace string
}

// EjectBatchInput asks for up to Limit running executions of a workflow to be ejected.
type EjectBatchInput struct {
	WorkspaceID string
	WorkflowID  string
	Limit       int
	Reason      string
}

// EjectBatch ejects up to in.Limit of the workflow's running executions and returns how
// many it ejected; zero means none is left. A run that fails to eject fails the batch,
// which Temporal retries; the ones already ejected are not running any more, so a retry
// picks up where this attempt stopped.
func (e *Ejections) EjectBatch(ctx context.Context, in EjectBatchInput) (int, error) {
	runs, err := e.Store.RunningExecutions(ctx, in.WorkspaceID, in.WorkflowID, "", in.Limit)
	if err != nil {
		return 0, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ejectConcurrency)
	for _, x := range runs {
		g.Go(func() error {
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx)
			}
			return EjectRun(gctx, e.Temporal, e.Namespace, e.Store, x, in.Reason)
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return len(runs), nil
}

// EjectRun cancels one execution's run and marks its row ejected. The cancellation
// names the run chain the execution started (its first run ID), so it reaches the run
// after any continue-as-new but never the friend's newer enrollment under the same
// workflow ID; a run Temporal has closed or no longer has is simply marked.
func EjectRun(ctx context.Context, c client.Client, namespace string, store *models.Store, x models.Execution, reason string) error {
	_, err := c.WorkflowService().RequestCancelWorkflowExecution(ctx, &workflowservice.RequestCancelWorkflowExecutionRequest{
		Namespace:           namespace,
		WorkflowExecution:   &commonpb.WorkflowExecution{WorkflowId: x.TemporalWorkflowID},
		FirstExecutionRunId: x.TemporalRunID,
		Identity:            "lumo",
		RequestId:           "eject/" + x.ID,
		Reason:              reason,
	})
	var gone *serviceerror.NotFound
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("cancel run %s: %w", x.TemporalWorkflowID, err)
	}
	return store.UpdateExecution(ctx, x.WorkspaceID, x.ID, models.ExecutionChange{Status: models.ExecutionEjected, Error: reason})
}
