package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// exitingSurvey is the survey with a 2-day delay after the greeting and exit conditions.
var exitingSurvey = strings.Replace(strings.Replace(testenv.SurveyDefinition,
	`"next": "ask"},`, `"next": "pause"},
    {"id": "pause", "type": "delay", "duration": "48h", "next": "ask"},`, 1),
	`"start": "hello",`, `"start": "hello", "settings": {"exitOn": ["incoming_message", "manual_message"]},`, 1)

func TestJourney_ExitConditions(t *testing.T) {
	cases := []struct {
		name      string
		doc       string
		event     string
		at        time.Duration // after the start; the delay ends at 48h, the question waits after
		wantExit  bool
		wantTrace string // the last trace row
	}{
		{"incoming message during a delay exits", exitingSurvey, "incoming_message", time.Hour, true, "pause:ejected:"},
		{"manual message during a delay exits", exitingSurvey, "manual_message", time.Hour, true, "pause:ejected:"},
		{"manual message while a question waits exits", exitingSurvey, "manual_message", 72 * time.Hour, true, "ask:ejected:"},
		{"incoming message while a question waits is its answer, not an exit", exitingSurvey, "incoming_message", 72 * time.Hour, false, "bye:succeeded:next"},
		{"an event the settings do not name is ignored", exitingSurvey, "shopify.purchase", time.Hour, false, "bye:succeeded:next"},
		{"without exitOn nothing exits", testenv.SurveyDefinition, "incoming_message", time.Hour, false, "bye:succeeded:next"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newJourneyWorld(t, c.doc)
			w.env.RegisterDelayedCallback(func() {
				w.env.SignalWorkflow(workflows.ExitSignal, workflows.Exit{Event: c.event})
			}, c.at)
			result := w.run(t)
			if err := w.env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			execution, err := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantExit {
				if result.Status != "ejected" || execution.Status != models.ExecutionEjected || execution.Error != "exited: "+c.event {
					t.Fatalf("result %+v, execution %s %q", result, execution.Status, execution.Error)
				}
			} else if result.Status != "completed" || execution.Status != models.ExecutionCompleted {
				t.Fatalf("result %+v, execution %s", result, execution.Status)
			}
			if got := w.steps(t); got[len(got)-1] != c.wantTrace {
				t.Fatalf("trace %v, want it to end with %s", got, c.wantTrace)
			}
		})
	}
}
