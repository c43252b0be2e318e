package e2e_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// recordedJourneys are the runs whose histories workflows/testdata/histories keeps for
// the replay test (workflows.TestReplay_SavedHistories): between them they take every
// outlet of the kinds they use, and one is ejected while parked.
var recordedJourneys = []struct {
	name string
	doc  string
	// prepare, when set, makes what the definition names and returns it instead of doc.
	prepare func(w *world) string
	drive   func(w *world, executionID string)
}{
	{name: "survey_answered", doc: testenv.SurveyDefinition, drive: func(w *world, id string) {
		w.waitForWaiting([]string{id}, "ask", 30*time.Second)
		w.replyToEngine(id, "Coffee")
	}},
	{name: "survey_invalid_answer", doc: testenv.SurveyDefinition, drive: func(w *world, id string) {
		w.waitForWaiting([]string{id}, "ask", 30*time.Second)
		w.replyToEngine(id, "Milk")
	}},
	{name: "survey_timed_out", doc: shortSurveyDoc, drive: func(*world, string) {}},
	{name: "delay_rich_menu_tags", doc: delayDoc, drive: func(*world, string) {}},
	{name: "exit_during_delay", doc: exitDoc, drive: func(w *world, id string) {
		w.waitForWaiting([]string{id}, "pause", 30*time.Second)
		x, _ := w.store.GetExecution(context.Background(), w.workspace, id)
		if _, err := w.engine.Exit(context.Background(), w.workspace, x.FriendID, "incoming_message"); err != nil {
			w.t.Fatal(err)
		}
	}},
	{name: "survey_ejected", doc: testenv.SurveyDefinition, drive: func(w *world, id string) {
		w.waitForWaiting([]string{id}, "ask", 30*time.Second)
		if _, err := w.engine.Eject(context.Background(), w.workspace, id); err != nil {
			w.t.Fatal(err)
		}
	}},
	// Not a member at the first branch, tagged while waiting, a member at the second.
	{name: "segment_branch", prepare: func(w *world) string {
		segment := w.must(http.StatusCreated, http.MethodPost, "/v1/segments", map[string]any{
			"name": "VIPs for the history",
			"groups": []any{map[string]any{"conditions": []any{
				map[string]any{"property": "tag", "op": "contains_any", "value": []string{"vip"}},
			}}},
		}).str("id")
		return strings.ReplaceAll(segmentBranchDefinition, "SEGMENT", segment)
	}, drive: func(w *world, id string) {
		w.waitForWaiting([]string{id}, "ask", 30*time.Second)
		x, err := w.store.GetExecution(context.Background(), w.workspace, id)
		if err != nil {
			w.t.Fatal(err)
		}
		w.must(http.StatusOK, http.MethodPost, "/v1/friends/"+x.FriendID+"/tags", map[string]any{"tag": "vip"})
		w.replyToEngine(id, "yes")
	}},
}

// TestRecordHistories writes the histories of recordedJourneys, run by the current
// interpreter, into the directory LUMO_RECORD_HISTORIES names (skipped without it):
//
//	LUMO_RECORD_HISTORIES=$PWD/workflows/testdata/histories go test ./e2e -run TestRecordHistories
//
// Histories already there are kept: they are the runs of older interpreters, which the
// current one must still replay. Record before changing the interpreter, so the replay
// test holds the change to the runs already in flight.
func TestRecordHistories(t *testing.T) {
	dir := os.Getenv("LUMO_RECORD_HISTORIES")
	if dir == "" {
		t.Skip("LUMO_RECORD_HISTORIES is not set")
	}
	w := newWorld(t)
	ctx := context.Background()
	for _, j := range recordedJourneys {
		file := filepath.Join(dir, j.name+".json")
		if _, err := os.Stat(file); err == nil {
			continue
		}
		doc := j.doc
		if j.prepare != nil {
			doc = j.prepare(w)
		}
		workflowID := w.activeWorkflow(doc)
		friendID, _ := w.friend("Mina " + j.name)
		x, err := w.engine.Enroll(ctx, models.Enrollment{WorkspaceID: w.workspace, WorkflowID: workflowID, FriendID: friendID,
			Trigger: map[string]string{"type": "manual"}})
		if err != nil {
			t.Fatal(err)
		}
		j.drive(w, x.ID)
		w.saveHistory(file, x.TemporalWorkflowID, x.TemporalRunID)
	}

	// A friend's inbox: a follow that starts a welcome, then a keyword message.
	file := filepath.Join(dir, "inbox_follow_and_message.json")
	if _, err := os.Stat(file); err != nil {
		welcome := w.activeWorkflow(welcomeDoc)
		user := w.lineFriend("Inbox")
		w.deliver(w.followEvent(user), w.textEvent(user, "hello"))
		w.waitFor("the welcome", 30*time.Second, func() bool { return len(w.texts(user)) == 1 })
		w.saveHistory(file, workflows.InboxWorkflowID(w.account, user), "")
		// The welcome itself: a journey that answers through the Reply API.
		friend, err := w.store.FriendByLineUser(ctx, w.workspace, w.account, user)
		if err != nil {
			t.Fatal(err)
		}
		w.saveHistory(filepath.Join(dir, "welcome_by_reply.json"), workflows.JourneyWorkflowID(welcome, friend.ID), "")
	}

	// A broadcast to a segment of three friends, one of whom blocked the account.
	file = filepath.Join(dir, "broadcast_to_segment.json")
	if _, err := os.Stat(file); err != nil {
		var blocked string
		for _, name := range []string{"Aki", "Bo", "Chie"} {
			friendID, lineUserID := w.friend("Broadcast " + name)
			w.must(http.StatusOK, http.MethodPost, "/v1/friends/"+friendID+"/tags", map[string]any{"tag": "news"})
			blocked = lineUserID
		}
		if _, err := w.store.BlockFriend(ctx, w.workspace, w.account, blocked, time.Now()); err != nil {
			t.Fatal(err)
		}
		segment := w.must(http.StatusCreated, http.MethodPost, "/v1/segments", map[string]any{
			"name": "News readers",
			"groups": []any{map[string]any{"conditions": []any{
				map[string]any{"property": "tag", "op": "contains_any", "value": []string{"news"}},
			}}},
		}).str("id")
		broadcast := w.must(http.StatusAccepted, http.MethodPost, "/v1/broadcasts", map[string]any{
			"segmentId": segment, "lineAccountId": w.account,
			"messages": []any{map[string]any{"type": "text", "text": "This week's news"}},
		}).str("id")
		w.waitFor("the broadcast to complete", 30*time.Second, func() bool {
			return w.must(http.StatusOK, http.MethodGet, "/v1/broadcasts/"+broadcast, nil).str("status") == "completed"
		})
		w.saveHistory(file, workflows.BroadcastWorkflowID(broadcast), "")
	}
}

// saveHistory waits for a run to close and writes its history as JSON.
func (w *world) saveHistory(file, workflowID, runID string) {
	w.t.Helper()
	ctx := context.Background()
	_ = w.temporal.GetWorkflow(ctx, workflowID, runID).Get(ctx, nil) // any ending is worth keeping
	var history historypb.History
	iter := w.temporal.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			w.t.Fatal(err)
		}
		history.Events = append(history.Events, event)
	}
	raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&history)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.t.Logf("%s: %d events", filepath.Base(file), len(history.Events))
}

// replyToEngine answers for the friend straight through the engine.
func (w *world) replyToEngine(executionID, text string) {
	w.t.Helper()
	err := w.engine.Reply(context.Background(), w.workspace, executionID, models.ExecutionReply{Text: text, ReceivedAt: time.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
}
