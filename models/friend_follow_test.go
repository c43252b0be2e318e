package models_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// sameTime reports whether got is the moment want (nil for nil).
func sameTime(got, want *time.Time) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return got.Equal(*want)
}

func TestFollowFriend_FollowBlockUnblockIsOneFriend(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		followed, blocked, unblocked := at(1), at(2), at(3)
		// An event time in another zone is stored as the same moment.
		tokyo := time.FixedZone("JST", 9*60*60)

		first, wasBlocked, err := f.store.FollowFriend(f.ctx, f.ws.ID, f.account.ID, "U1", models.FriendProfile{DisplayName: "Mina", Language: "ja"}, followed.In(tokyo))
		if err != nil {
			t.Fatal(err)
		}
		if wasBlocked || first.DisplayName != "Mina" || !sameTime(first.FollowedAt, &followed) || first.BlockedAt != nil {
			t.Errorf("first follow: wasBlocked %v, friend %+v", wasBlocked, first)
		}

		gone, err := f.store.BlockFriend(f.ctx, f.ws.ID, f.account.ID, "U1", blocked)
		if err != nil {
			t.Fatal(err)
		}
		if gone.ID != first.ID || !sameTime(gone.BlockedAt, &blocked) {
			t.Errorf("block: %+v, want friend %s blocked at %v", gone, first.ID, blocked)
		}

		// LINE sends no profile with an unfollow, and a failed profile fetch on the follow
		// again sends none either: the known name stays.
		back, wasBlocked, err := f.store.FollowFriend(f.ctx, f.ws.ID, f.account.ID, "U1", models.FriendProfile{}, unblocked)
		if err != nil {
			t.Fatal(err)
		}
		if !wasBlocked || back.ID != first.ID || back.BlockedAt != nil || !sameTime(back.FollowedAt, &unblocked) {
			t.Errorf("follow after block: wasBlocked %v, friend %+v", wasBlocked, back)
		}

		stored, err := f.store.GetFriend(f.ctx, f.ws.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.DisplayName != "Mina" || stored.Language != "ja" || stored.BlockedAt != nil || !sameTime(stored.FollowedAt, &unblocked) {
			t.Errorf("stored friend %+v", stored)
		}

		// Following while not blocked (LINE resends an event) is no unblock.
		_, wasBlocked, err = f.store.FollowFriend(f.ctx, f.ws.ID, f.account.ID, "U1", models.FriendProfile{}, at(4))
		if err != nil || wasBlocked {
			t.Errorf("second follow without a block: wasBlocked %v, err %v", wasBlocked, err)
		}
		var n int64
		db.Model(&models.Friend{}).Count(&n)
		if n != 1 {
			t.Errorf("%d friends, want 1", n)
		}
	})
}

func TestBlockFriend_UnknownUserIsRecordedBlocked(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		when := at(7)
		friend, err := f.store.BlockFriend(f.ctx, f.ws.ID, f.account.ID, "U404", when)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := f.store.GetFriend(f.ctx, f.ws.ID, friend.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.LineUserID != "U404" || !sameTime(stored.BlockedAt, &when) || stored.FollowedAt != nil {
			t.Errorf("stored %+v, want U404 blocked at %v, never followed", stored, when)
		}
		// The follow that comes later is an unblock.
		if _, wasBlocked, err := f.store.FollowFriend(f.ctx, f.ws.ID, f.account.ID, "U404", models.FriendProfile{}, at(8)); err != nil || !wasBlocked {
			t.Errorf("follow of a blocked unknown: wasBlocked %v, err %v", wasBlocked, err)
		}
	})
}

func TestFollowFriend_AnotherWorkspacesAccountIsNotFound(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		if _, _, err := f.store.FollowFriend(f.ctx, f.other.ID, f.account.ID, "U1", models.FriendProfile{}, at(1)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("follow: err = %v, want ErrNotFound", err)
		}
		if _, err := f.store.BlockFriend(f.ctx, f.other.ID, f.account.ID, "U1", at(1)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("block: err = %v, want ErrNotFound", err)
		}
		var n int64
		db.Model(&models.Friend{}).Count(&n)
		if n != 0 {
			t.Errorf("%d friends recorded, want 0", n)
		}
	})
}

// awaitingFixture is an executionFixture with a second active workflow, so that the
// friend can be in two runs at once.
type awaitingFixture struct {
	executionFixture
	second        models.Workflow
	secondVersion models.WorkflowVersion
}

func newAwaitingFixture(t *testing.T, db *database.DB) awaitingFixture {
	t.Helper()
	f := newExecutionFixture(t, db)
	doc := []byte(`{"name":"Survey","trigger":{"type":"manual"},"nodes":[]}`)
	w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, models.WorkflowInput{Name: "Survey", TriggerType: "manual", Document: doc}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	w, v, err := f.store.Activate(f.ctx, f.ws.ID, w.ID, models.Activation{Document: doc, TriggerType: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	return awaitingFixture{executionFixture: f, second: w, secondVersion: v}
}

// run creates a running execution of w (version v) for friend, with trace, and ends it
// in status unless that is running.
func (f awaitingFixture) run(t *testing.T, w models.Workflow, v models.WorkflowVersion, friend models.Friend, status models.ExecutionStatus, trace ...models.ExecutionStep) models.Execution {
	t.Helper()
	e := models.Execution{
		ID:                 models.NewID(),
		WorkspaceID:        f.ws.ID,
		WorkflowID:         w.ID,
		VersionID:          v.ID,
		Version:            v.Version,
		FriendID:           friend.ID,
		LineAccountID:      f.account.ID,
		TemporalWorkflowID: "lumo/" + w.ID + "/" + friend.ID,
	}
	if err := f.store.CreateExecution(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	for _, step := range trace {
		step.WorkspaceID, step.ExecutionID, step.Visit = f.ws.ID, e.ID, 1
		if err := f.store.RecordStep(f.ctx, step); err != nil {
			t.Fatal(err)
		}
	}
	if status != models.ExecutionRunning {
		if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// visit is a step of node, of kind, with outcome, started at minute; a visit that is not
// waiting has finished a second later.
func visit(node, kind, outcome string, minute int) models.ExecutionStep {
	s := models.ExecutionStep{NodeID: node, NodeType: kind, Outcome: outcome, StartedAt: at(minute)}
	if outcome != "waiting" {
		done := at(minute).Add(time.Second)
		s.FinishedAt = &done
	}
	return s
}

func TestFriendAwaitingAnswer(t *testing.T) {
	sent := visit("hello", "send_message", "succeeded", 1)
	tests := []struct {
		name string
		// runs makes the friend's runs and returns the ID of the one expected, or "".
		runs func(t *testing.T, f awaitingFixture) (want string)
	}{
		{
			name: "no run",
			runs: func(t *testing.T, f awaitingFixture) string { return "" },
		},
		{
			name: "a running execution waiting at a question is found",
			runs: func(t *testing.T, f awaitingFixture) string {
				return f.run(t, f.workflow, f.version, f.friend, models.ExecutionRunning, sent, visit("ask", "question", "waiting", 2)).ID
			},
		},
		{
			name: "of two waiting questions, the one asked last",
			runs: func(t *testing.T, f awaitingFixture) string {
				// The run created first asked last: the question's time decides, not the run's.
				later := f.run(t, f.workflow, f.version, f.friend, models.ExecutionRunning, sent, visit("ask", "question", "waiting", 9))
				f.run(t, f.second, f.secondVersion, f.friend, models.ExecutionRunning, visit("ask", "question", "waiting", 5))
				return later.ID
			},
		},
		{
			name: "a waiting delay is not a question",
			runs: func(t *testing.T, f awaitingFixture) string {
				f.run(t, f.workflow, f.version, f.friend, models.ExecutionRunning, sent, visit("wait", "delay", "waiting", 2))
				return ""
			},
		},
		{
			name: "an answered question is not waiting",
			runs: func(t *testing.T, f awaitingFixture) string {
				f.run(t, f.workflow, f.version, f.friend, models.ExecutionRunning, visit("ask", "question", "succeeded", 2), visit("wait", "delay", "waiting", 3))
				return ""
			},
		},
		{
			name: "a finished execution is not, even with its question left waiting",
			runs: func(t *testing.T, f awaitingFixture) string {
				f.run(t, f.workflow, f.version, f.friend, models.ExecutionEjected, visit("ask", "question", "waiting", 2))
				f.run(t, f.second, f.secondVersion, f.friend, models.ExecutionCompleted, visit("ask", "question", "waiting", 3))
				return ""
			},
		},
		{
			name: "a finished run's newer question does not hide a running one",
			runs: func(t *testing.T, f awaitingFixture) string {
				running := f.run(t, f.workflow, f.version, f.friend, models.ExecutionRunning, visit("ask", "question", "waiting", 2))
				f.run(t, f.second, f.secondVersion, f.friend, models.ExecutionFailed, visit("ask", "question", "waiting", 8))
				return running.ID
			},
		},
		{
			name: "another friend's waiting question is not this friend's",
			runs: func(t *testing.T, f awaitingFixture) string {
				f.run(t, f.workflow, f.version, f.friendFixture.friend(t, "U2"), models.ExecutionRunning, visit("ask", "question", "waiting", 2))
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
				f := newAwaitingFixture(t, db)
				want := tt.runs(t, f)
				got, ok, err := f.store.FriendAwaitingAnswer(f.ctx, f.ws.ID, f.friend.ID)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case want == "" && ok:
					t.Errorf("found execution %s (status %s), want none", got.ID, got.Status)
				case want != "" && !ok:
					t.Errorf("found none, want execution %s", want)
				case want != "" && got.ID != want:
					t.Errorf("found execution %s, want %s", got.ID, want)
				case ok && (got.WorkspaceID != f.ws.ID || got.FriendID != f.friend.ID || got.Status != models.ExecutionRunning):
					t.Errorf("found %+v: not the friend's running execution", got)
				}
				// Another workspace asking about the friend finds nothing.
				if _, ok, err := f.store.FriendAwaitingAnswer(f.ctx, f.other.ID, f.friend.ID); ok || err != nil {
					t.Errorf("from another workspace: ok %v, err %v", ok, err)
				}
			})
		})
	}
}
