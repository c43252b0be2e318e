package workflows_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/workflows"
)

// TestReplay_SavedHistories replays the histories of runs made by earlier versions of
// the interpreter and the inbox (recorded by e2e.TestRecordHistories) against the current code: a
// change that would make a run in flight take another path, without a
// workflow.GetVersion gate, fails here with a nondeterminism error.
func TestReplay_SavedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d saved histories, want at least 5: the replay test has nothing to hold", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.Journey, workflow.RegisterOptions{Name: workflows.JourneyName})
			replayer.RegisterWorkflowWithOptions(workflows.LineInbox, workflow.RegisterOptions{Name: workflows.InboxName})
			replayer.RegisterWorkflowWithOptions(workflows.Broadcast, workflow.RegisterOptions{Name: workflows.BroadcastName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
