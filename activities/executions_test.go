package activities_test

import (
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// execution creates a running execution of a fresh active workflow for the fixture's
// friend.
func (f dbFixture) execution(t *testing.T) models.Execution {
	t.Helper()
	doc := []byte(`{"name":"Welcome","trigger":{"type":"friend_added"},"nodes":[]}`)
	w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, models.WorkflowInput{Name: "Welcome", TriggerType: "friend_added", Document: doc}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	w, v, err := f.store.Activate(f.ctx, f.ws.ID, w.ID, models.Activation{Document: doc, TriggerType: "friend_added"})
	if err != nil {
		t.Fatal(err)
	}
	e := models.Execution{
		ID: models.NewID(), WorkspaceID: f.ws.ID, WorkflowID: w.ID, VersionID: v.ID, Version: v.Version,
		FriendID: f.friend.ID, TemporalWorkflowID: "welcome/" + f.friend.ID,
	}
	if err := f.store.CreateExecution(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestExecutions_RecordStepTwiceIsOneUpdatedRow(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		e := f.execution(t)
		executions := &activities.Executions{Store: f.store}
		started := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		finished := started.Add(2 * time.Second)
		step := activities.StepRecord{
			WorkspaceID: f.ws.ID, ExecutionID: e.ID, WorkflowID: e.WorkflowID,
			NodeID: "hello", NodeType: "send_message", Visit: 1, Outcome: "waiting", StartedAt: started,
		}
		if err := executions.RecordStep(f.ctx, step); err != nil {
			t.Fatal(err)
		}
		step.Outcome, step.Outlet, step.LineAPI, step.Messages, step.FinishedAt = "succeeded", "next", "push", 2, &finished
		for range 2 { // the finishing write, and Temporal's retry of it
			if err := executions.RecordStep(f.ctx, step); err != nil {
				t.Fatal(err)
			}
		}

		steps, err := f.store.ExecutionSteps(f.ctx, f.ws.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 1 {
			t.Fatalf("%d rows, want 1", len(steps))
		}
		got := steps[0]
		if got.Outcome != "succeeded" || got.Outlet != "next" || got.LineAPI != "push" || got.Messages != 2 ||
			!got.StartedAt.Equal(started) || got.FinishedAt == nil || !got.FinishedAt.Equal(finished) {
			t.Errorf("row %+v", got)
		}

		step.WorkspaceID = f.other.ID
		wantNonRetryable(t, "a step of another workspace's execution", executions.RecordStep(f.ctx, step), activities.ErrNotFound)
		step.WorkspaceID, step.Visit = f.ws.ID, 0
		wantNonRetryable(t, "visit 0", executions.RecordStep(f.ctx, step), activities.ErrInvalidInput)
	})
}

func TestExecutions_UpdateNeverRevivesAFinishedRun(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		e := f.execution(t)
		executions := &activities.Executions{Store: f.store}
		update := func(status, node string) {
			t.Helper()
			err := executions.Update(f.ctx, activities.ExecutionUpdate{WorkspaceID: f.ws.ID, ExecutionID: e.ID, Status: status, CurrentNode: node})
			if err != nil {
				t.Fatal(err)
			}
		}
		update("running", "ask")
		update("completed", "bye")
		done, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID)
		update("running", "ask") // a late retry from before the end
		update("failed", "")

		got, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID)
		if got.Status != models.ExecutionCompleted || got.CurrentNode != "bye" || got.FinishedAt == nil || !got.UpdatedAt.Equal(done.UpdatedAt) {
			t.Errorf("execution %+v, want it as it completed: %+v", got, done)
		}

		err := executions.Update(f.ctx, activities.ExecutionUpdate{WorkspaceID: f.other.ID, ExecutionID: e.ID, Status: "failed"})
		wantNonRetryable(t, "another workspace's execution", err, activities.ErrNotFound)
		err = executions.Update(f.ctx, activities.ExecutionUpdate{WorkspaceID: f.ws.ID, ExecutionID: e.ID, Status: "paused"})
		wantNonRetryable(t, "unknown status", err, activities.ErrInvalidInput)
	})
}
