package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
)

// EjectRunsName is the workflow type of a stopped workflow's ejection.
const EjectRunsName = "lumo.EjectRuns"

// ejectBatchSize is how many runs one activity ejects: small enough that a batch
// finishes well within its timeout, large enough that 100 parked runs take one.
const ejectBatchSize = 100

// EjectRunsInput names the workflow whose running executions are ejected.
type EjectRunsInput struct {
	WorkspaceID string
	WorkflowID  string
}

// EjectRunsResult counts the executions ejected.
type EjectRunsResult struct {
	Ejected int
}

// EjectRuns ejects every running execution of a stopped workflow, a bounded batch at a
// time, until none is left. It runs in Temporal, not in the API request, so a stop of a
// workflow with a hundred thousand friends enrolled finishes even if the API restarts.
func EjectRuns(ctx workflow.Context, in EjectRunsInput) (EjectRunsResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
	var result EjectRunsResult
	for {
		var n int
		err := workflow.ExecuteActivity(ctx, activities.ExecutionsEjectBatchName, activities.EjectBatchInput{
			WorkspaceID: in.WorkspaceID,
			WorkflowID:  in.WorkflowID,
			Limit:       ejectBatchSize,
			Reason:      "ejected: the workflow was stopped",
		}).Get(ctx, &n)
		if err != nil {
			return result, err
		}
		result.Ejected += n
		if n == 0 {
			return result, nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return result, workflow.NewContinueAsNewError(ctx, EjectRunsName, in)
		}
	}
}
