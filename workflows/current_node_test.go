package workflows_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/workflows"
)

// The LumoCurrentNode search attribute follows the run to every step that calls out or
// waits, and is not rewritten for steps nobody can see it at (tag, branch) nor with the
// value it has.
func TestJourney_ShowsTheCurrentNodeAtStepsThatCallOutOrWait(t *testing.T) {
	cases := []struct {
		name      string
		startNode string // the attribute as the engine starts the run ("" for none)
		want      []string
	}{
		{name: "started by the engine at the start node", startNode: "hello", want: []string{"ask", "thanks"}},
		{name: "started without the attribute", want: []string{"hello", "ask", "thanks"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newJourneyWorld(t, testenv.SurveyDefinition)
			if tc.startNode != "" {
				if err := w.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(workflows.AttrCurrentNode.ValueSet(tc.startNode))); err != nil {
					t.Fatal(err)
				}
			}
			var shown []string
			w.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
				node, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(workflows.AttrCurrentNode)
				if !ok {
					t.Errorf("an upsert without LumoCurrentNode: %v", args.Get(0))
				}
				shown = append(shown, node)
			}).Return(nil)
			w.replyAfter(time.Hour, "Coffee")
			if result := w.run(t); result.Status != "completed" {
				t.Fatalf("status %q", result.Status)
			}
			if !slices.Equal(shown, tc.want) {
				t.Errorf("LumoCurrentNode upserted as %v, want %v", shown, tc.want)
			}
		})
	}
}
