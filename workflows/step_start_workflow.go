package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// startWorkflowStep enrolls the friend in another workflow, passing the rendered vars,
// and goes on without waiting for that run. The new execution's ID is derived from this
// run, node and visit, so a retried enrollment is recognised and counts once.
func startWorkflowStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	s := node.(*definition.StartWorkflow)
	var friend *activities.FriendSnapshot
	if len(s.Vars) > 0 {
		snapshot, err := j.snapshot(ctx)
		if err != nil {
			return failedOutcome(err)
		}
		friend = &snapshot
	}
	vars := make(map[string]string, len(s.Vars))
	for name, text := range s.Vars {
		vars[name] = definition.Render(text, j.lookup(friend, nil))
	}
	info := workflow.GetInfo(ctx)
	in := activities.StartInput{Enrollment: enrollmentFrom(j, s.WorkflowID, vars,
		deterministicUUID(fmt.Sprintf("start/%s/%s/%s/%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, s.ID, j.visits[s.ID])))}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrEnrollmentRefused},
		},
		Summary: "enroll in workflow " + s.WorkflowID,
	})
	var started activities.StartResult
	if err := workflow.ExecuteActivity(ctx, activities.WorkflowsStartName, in).Get(ctx, &started); err != nil {
		return failedOutcome(err)
	}
	return follow(node, "next")
}

// enrollmentFrom is the enrollment a start_workflow step of run j asks for.
func enrollmentFrom(j *journey, workflowID string, vars map[string]string, executionID string) models.Enrollment {
	return models.Enrollment{
		WorkspaceID: j.in.WorkspaceID,
		WorkflowID:  workflowID,
		FriendID:    j.in.Friend.FriendID,
		Vars:        vars,
		Trigger: map[string]string{
			"type":        "start_workflow",
			"workflowId":  j.in.WorkflowID,
			"executionId": j.in.ExecutionID,
		},
		ExecutionID: executionID,
	}
}
