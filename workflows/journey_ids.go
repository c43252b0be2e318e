package workflows

import "github.com/lumoworkflows/lumo/activities"

// Memo keys every journey carries, read by the Web UI and by the engine itself.
const (
	MemoWorkflowName = "workflowName"
	MemoExecutionID  = activities.MemoExecutionID
)

// JourneyWorkflowID is the Temporal workflow ID of a friend's run through a workflow.
// Derived from the two, it makes Temporal refuse a second enrollment while one runs
// (conflict policy FAIL) and allow one after it ends (reuse policy ALLOW_DUPLICATE).
func JourneyWorkflowID(workflowID, friendID string) string {
	return "lumo/" + workflowID + "/" + friendID
}

// TestJourneyWorkflowID is the Temporal workflow ID of a friend's test run of a
// workflow's draft: apart from real runs, so a test never blocks an enrollment.
func TestJourneyWorkflowID(workflowID, friendID string) string {
	return "lumo-test/" + workflowID + "/" + friendID
}
