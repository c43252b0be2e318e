package models_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// executionFixture adds an active workflow and a friend to a friendFixture.
type executionFixture struct {
	friendFixture
	workflow models.Workflow
	version  models.WorkflowVersion
	friend   models.Friend
}

func newExecutionFixture(t *testing.T, db *database.DB) executionFixture {
	t.Helper()
	f := newFriendFixture(t, db)
	doc := []byte(`{"name":"Welcome","trigger":{"type":"friend_added"},"nodes":[]}`)
	w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, models.WorkflowInput{Name: "Welcome", TriggerType: "friend_added", Document: doc}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	w, v, err := f.store.Activate(f.ctx, f.ws.ID, w.ID, models.Activation{Document: doc, TriggerType: "friend_added"})
	if err != nil {
		t.Fatal(err)
	}
	return executionFixture{friendFixture: f, workflow: w, version: v, friend: f.friend(t, "U1")}
}

// execution creates a running execution of the fixture's workflow.
func (f executionFixture) execution(t *testing.T, test bool) models.Execution {
	t.Helper()
	e := models.Execution{
		ID:                 models.NewID(),
		WorkspaceID:        f.ws.ID,
		WorkflowID:         f.workflow.ID,
		VersionID:          f.version.ID,
		Version:            f.version.Version,
		FriendID:           f.friend.ID,
		LineAccountID:      f.account.ID,
		TemporalWorkflowID: "wf-" + f.workflow.ID + "-" + f.friend.ID,
		Test:               test,
	}
	if err := f.store.CreateExecution(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetExecution(f.ctx, f.ws.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func at(minute int) time.Time {
	return time.Date(2030, 1, 2, 3, minute, 0, 0, time.UTC)
}

func TestCreateExecution_IsIdempotentAndScopedToTheWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		e := f.execution(t, false)
		if e.Status != models.ExecutionRunning || e.StartedAt.IsZero() || e.FinishedAt != nil {
			t.Errorf("new execution %+v", e)
		}
		if err := f.store.CreateExecution(f.ctx, e); err != nil {
			t.Errorf("creating it again: %v", err)
		}
		var n int64
		f.db.Model(&models.Execution{}).Count(&n)
		if n != 1 {
			t.Errorf("%d executions, want 1", n)
		}

		foreign := e
		foreign.ID, foreign.WorkspaceID = models.NewID(), f.other.ID
		if err := f.store.CreateExecution(f.ctx, foreign); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("execution of another workspace's workflow: err = %v, want ErrNotFound", err)
		}
		if _, err := f.store.GetExecution(f.ctx, f.other.ID, e.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("GetExecution from another workspace: err = %v", err)
		}
		if err := f.store.CreateExecution(f.ctx, models.Execution{WorkspaceID: f.ws.ID}); err == nil {
			t.Error("an execution without an ID was created")
		}
	})
}

func TestRecordStep_WritingAVisitAgainUpdatesItsOneRow(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		e := f.execution(t, false)
		done := at(5)
		writes := []struct {
			name string
			step models.ExecutionStep
			want models.ExecutionStep
		}{
			{
				name: "waiting",
				step: models.ExecutionStep{NodeType: "question", Outcome: "waiting", StartedAt: at(1)},
				want: models.ExecutionStep{NodeType: "question", Outcome: "waiting", StartedAt: at(1)},
			},
			{
				name: "waiting, retried",
				step: models.ExecutionStep{NodeType: "question", Outcome: "waiting", StartedAt: at(2)},
				want: models.ExecutionStep{NodeType: "question", Outcome: "waiting", StartedAt: at(1)},
			},
			{
				name: "answered",
				step: models.ExecutionStep{NodeType: "question", Outcome: "succeeded", Outlet: "answered", LineAPI: "reply", Messages: 2, StartedAt: at(1), FinishedAt: &done},
				want: models.ExecutionStep{NodeType: "question", Outcome: "succeeded", Outlet: "answered", LineAPI: "reply", Messages: 2, StartedAt: at(1), FinishedAt: &done},
			},
			{
				name: "a late retry of waiting changes nothing",
				step: models.ExecutionStep{NodeType: "question", Outcome: "waiting", StartedAt: at(1)},
				want: models.ExecutionStep{NodeType: "question", Outcome: "succeeded", Outlet: "answered", LineAPI: "reply", Messages: 2, StartedAt: at(1), FinishedAt: &done},
			},
		}
		for _, w := range writes {
			w.step.WorkspaceID, w.step.ExecutionID, w.step.NodeID, w.step.Visit = f.ws.ID, e.ID, "ask_size", 1
			if err := f.store.RecordStep(f.ctx, w.step); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			steps, err := f.store.ExecutionSteps(f.ctx, f.ws.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != 1 {
				t.Fatalf("%s: %d rows, want 1", w.name, len(steps))
			}
			got := steps[0]
			if got.WorkspaceID != f.ws.ID || got.WorkflowID != f.workflow.ID || got.NodeID != "ask_size" || got.Visit != 1 {
				t.Errorf("%s: row keys %+v", w.name, got)
			}
			got.ID, got.WorkspaceID, got.ExecutionID, got.WorkflowID, got.NodeID, got.Visit = "", "", "", "", "", 0
			got.StartedAt = got.StartedAt.UTC()
			if got.FinishedAt != nil {
				utc := got.FinishedAt.UTC()
				got.FinishedAt = &utc
			}
			if !reflect.DeepEqual(got, w.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", w.name, got, w.want)
			}
		}

		foreign := models.ExecutionStep{WorkspaceID: f.other.ID, ExecutionID: e.ID, NodeID: "x", NodeType: "delay", Visit: 1}
		if err := f.store.RecordStep(f.ctx, foreign); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a step from another workspace: err = %v, want ErrNotFound", err)
		}
	})
}

func TestExecutionSteps_ComeInRunOrder(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		e := f.execution(t, false)
		// Written out of order in time; a loop visits "check" twice, and its second visit
		// and "bye" share a start time (one workflow task), where write order decides.
		for _, s := range []struct {
			node  string
			visit int
			start time.Time
		}{
			{"check", 1, at(2)}, {"hello", 1, at(1)}, {"check", 2, at(3)}, {"bye", 1, at(3)},
		} {
			err := f.store.RecordStep(f.ctx, models.ExecutionStep{
				WorkspaceID: f.ws.ID, ExecutionID: e.ID, NodeID: s.node, NodeType: "branch", Visit: s.visit,
				Outcome: "succeeded", StartedAt: s.start,
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		steps, err := f.store.ExecutionSteps(f.ctx, f.ws.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.NodeID+"#"+string(rune('0'+s.Visit)))
		}
		if want := []string{"hello#1", "check#1", "check#2", "bye#1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		if _, err := f.store.ExecutionSteps(f.ctx, f.other.ID, e.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("steps from another workspace: err = %v", err)
		}
		fresh := f.execution(t, false)
		if steps, err := f.store.ExecutionSteps(f.ctx, f.ws.ID, fresh.ID); err != nil || len(steps) != 0 {
			t.Errorf("steps of a fresh execution = %v, %v", steps, err)
		}
	})
}

func TestUpdateExecution_NeverRevivesAFinishedExecution(t *testing.T) {
	finished := []models.ExecutionStatus{models.ExecutionCompleted, models.ExecutionFailed, models.ExecutionEjected}
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		for _, end := range finished {
			t.Run(string(end), func(t *testing.T) {
				e := f.execution(t, false)
				if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: models.ExecutionRunning, CurrentNode: "ask"}); err != nil {
					t.Fatal(err)
				}
				if got, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID); got.CurrentNode != "ask" || got.Status != models.ExecutionRunning {
					t.Errorf("running update: %+v", got)
				}
				change := models.ExecutionChange{Status: end, Error: "why: " + string(end)}
				if end == models.ExecutionEjected {
					stoppedAt := at(30)
					change.FinishedAt = &stoppedAt
				}
				if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, change); err != nil {
					t.Fatal(err)
				}
				ended, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID)
				if ended.Status != end || ended.FinishedAt == nil || ended.Error != "why: "+string(end) || ended.CurrentNode != "ask" {
					t.Errorf("ended: %+v", ended)
				}
				if change.FinishedAt != nil && !ended.FinishedAt.Equal(*change.FinishedAt) {
					t.Errorf("finished at %s, want %s", ended.FinishedAt, change.FinishedAt)
				}
				later := at(59)
				for _, change := range []models.ExecutionChange{
					{Status: models.ExecutionRunning, CurrentNode: "next"},
					{Status: models.ExecutionCompleted, FinishedAt: &later},
					{Status: models.ExecutionEjected, Error: "stopped"},
					{CurrentNode: "elsewhere"},
				} {
					if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, change); err != nil {
						t.Errorf("%+v: %v", change, err)
					}
					if got, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID); !reflect.DeepEqual(got, ended) {
						t.Errorf("%+v changed a finished execution:\n was %+v\n now %+v", change, ended, got)
					}
				}
			})
		}
		e := f.execution(t, false)
		if err := f.store.UpdateExecution(f.ctx, f.other.ID, e.ID, models.ExecutionChange{Status: models.ExecutionFailed}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("update from another workspace: err = %v", err)
		}
		if got, _ := f.store.GetExecution(f.ctx, f.ws.ID, e.ID); got.Status != models.ExecutionRunning {
			t.Errorf("another workspace's update changed the run: %+v", got)
		}
		if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: "paused"}); err == nil {
			t.Error("an unknown status was accepted")
		}
	})
}

func TestWorkflowStats_CountsRunsByStatusAndVisitsByNode(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		type visit struct {
			node, outcome string
		}
		runs := []struct {
			status models.ExecutionStatus
			test   bool
			trace  []visit
		}{
			{models.ExecutionCompleted, false, []visit{{"hello", "succeeded"}, {"ask", "succeeded"}, {"bye", "succeeded"}}},
			{models.ExecutionCompleted, false, []visit{{"hello", "succeeded"}, {"ask", "succeeded"}, {"bye", "succeeded"}}},
			{models.ExecutionFailed, false, []visit{{"hello", "succeeded"}, {"ask", "failed"}}},
			{models.ExecutionRunning, false, []visit{{"hello", "succeeded"}, {"ask", "waiting"}}},
			{models.ExecutionEjected, false, []visit{{"hello", "failed"}, {"hello", "succeeded"}, {"ask", "ejected"}}},
			// A test run of a draft counts nowhere.
			{models.ExecutionFailed, true, []visit{{"hello", "failed"}, {"ask", "failed"}}},
		}
		for _, r := range runs {
			e := f.execution(t, r.test)
			visits := map[string]int{}
			for i, v := range r.trace {
				visits[v.node]++
				err := f.store.RecordStep(f.ctx, models.ExecutionStep{
					WorkspaceID: f.ws.ID, ExecutionID: e.ID, NodeID: v.node, NodeType: "step",
					Visit: visits[v.node], Outcome: v.outcome, StartedAt: at(i),
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: r.status}); err != nil {
				t.Fatal(err)
			}
		}

		got, err := f.store.WorkflowStats(f.ctx, f.ws.ID, f.workflow.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := models.WorkflowStats{
			Total: 5, Running: 1, Completed: 2, Failed: 1, Ejected: 1,
			Nodes: map[string]models.NodeStats{
				"hello": {Type: "step", Total: 6, Succeeded: 5, Failed: 1},
				"ask":   {Type: "step", Total: 5, Succeeded: 2, Failed: 1, Waiting: 1},
				"bye":   {Type: "step", Total: 2, Succeeded: 2},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stats\n got %+v\nwant %+v", got, want)
		}
		if _, err := f.store.WorkflowStats(f.ctx, f.other.ID, f.workflow.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("stats from another workspace: err = %v", err)
		}
	})
}

func TestWorkflowStats_WaitingCountsOnlyRunsStillRunning(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		for _, status := range []models.ExecutionStatus{models.ExecutionRunning, models.ExecutionFailed, models.ExecutionEjected} {
			e := f.execution(t, false)
			err := f.store.RecordStep(f.ctx, models.ExecutionStep{
				WorkspaceID: f.ws.ID, ExecutionID: e.ID, NodeID: "ask", NodeType: "question", Visit: 1, Outcome: "waiting",
			})
			if err != nil {
				t.Fatal(err)
			}
			// The run ended without its step being written again: the visit still says
			// waiting, but nothing waits there any more.
			if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: status}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.store.WorkflowStats(f.ctx, f.ws.ID, f.workflow.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (models.NodeStats{Type: "question", Total: 3, Waiting: 1}); got.Nodes["ask"] != want {
			t.Errorf("ask = %+v, want %+v", got.Nodes["ask"], want)
		}
	})
}
