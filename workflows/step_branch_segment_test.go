package workflows_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// segmentBranches tests the segment SEGMENT twice, with a tag step between the two
// branches that puts on the tag the segment is made of.
const segmentBranches = `{
  "name": "VIP check",
  "trigger": {"type": "manual"},
  "start": "first",
  "nodes": [
    {"id": "first", "type": "branch", "branches": [{"when": {"segment": "SEGMENT"}, "next": "in1"}], "else": "out1"},
    {"id": "in1", "type": "send_message", "messages": [{"type": "text", "text": "member at first"}], "next": "tagging"},
    {"id": "out1", "type": "send_message", "messages": [{"type": "text", "text": "not a member at first"}], "next": "tagging"},
    {"id": "tagging", "type": "tag", "add": ["vip"], "next": "second"},
    {"id": "second", "type": "branch", "branches": [{"when": {"any": [{"tag": "never"}, {"segment": "SEGMENT"}]}, "next": "in2"}], "else": "out2"},
    {"id": "in2", "type": "send_message", "messages": [{"type": "text", "text": "member at second"}]},
    {"id": "out2", "type": "send_message", "messages": [{"type": "text", "text": "not a member at second"}]}
  ]
}`

// segmentWorld is a journey world whose workflow branches on a segment of the friends
// tagged vip.
func segmentWorld(t *testing.T, doc string) *journeyWorld {
	t.Helper()
	w := newJourneyWorld(t, doc)
	seg, err := w.store.CreateSegment(context.Background(), models.Segment{
		WorkspaceID: w.input.WorkspaceID,
		Name:        "VIPs",
		Definition: segments.Definition{Groups: []segments.Group{{Conditions: []segments.Condition{
			{Property: "tag", Op: "contains_any", Value: json.RawMessage(`["vip"]`)},
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The definition was parsed before the segment existed: point its conditions at it.
	raw, err := definition.Marshal(w.input.Definition)
	if err != nil {
		t.Fatal(err)
	}
	def, problems := definition.Parse([]byte(strings.ReplaceAll(string(raw), "SEGMENT", seg.ID)), definition.DefaultLimits)
	if len(problems) > 0 {
		t.Fatalf("definition: %v", problems)
	}
	w.input.Definition = def
	return w
}

func (w *journeyWorld) tag(t *testing.T, tags ...string) {
	t.Helper()
	if err := w.store.AddFriendTags(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID, tags, ""); err != nil {
		t.Fatal(err)
	}
}

func TestBranch_SegmentMembershipPicksTheOutletAndIsReadAtEachBranch(t *testing.T) {
	cases := []struct {
		name      string
		tags      []string
		delivered []string
		steps     []string
	}{
		{
			name:      "member",
			tags:      []string{"vip"},
			delivered: []string{"push:member at first", "push:member at second"},
			steps:     []string{"first:succeeded:branches[0].next", "in1:succeeded:next", "tagging:succeeded:next", "second:succeeded:branches[0].next", "in2:succeeded:next"},
		},
		{
			// Not a member at the first branch; the tag step between makes them one, and
			// the second branch reads membership afresh.
			name:      "tagged between the branches",
			tags:      []string{"coffee"},
			delivered: []string{"push:not a member at first", "push:member at second"},
			steps:     []string{"first:succeeded:else", "out1:succeeded:next", "tagging:succeeded:next", "second:succeeded:branches[0].next", "in2:succeeded:next"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := segmentWorld(t, segmentBranches)
			w.tag(t, tc.tags...)
			if result := w.run(t); result.Status != "completed" {
				t.Fatalf("result = %+v, error %v", result, w.env.GetWorkflowError())
			}
			if got := w.delivered(); !slices.Equal(got, tc.delivered) {
				t.Errorf("delivered %q, want %q", got, tc.delivered)
			}
			if got := w.steps(t); !slices.Equal(got, tc.steps) {
				t.Errorf("steps %q, want %q", got, tc.steps)
			}
		})
	}
}

// A segment condition whose segment is gone (deleted once no live version used it, while
// a run of an older version was under way) fails the run, saying so, rather than
// guessing an outlet.
func TestBranch_ADeletedSegmentFailsTheRun(t *testing.T) {
	w := segmentWorld(t, segmentBranches)
	branch, _ := w.input.Definition.Node("first")
	segmentID := branch.(*definition.Branch).Branches[0].When.Segment
	if err := w.store.DeleteSegment(context.Background(), w.input.WorkspaceID, segmentID); err != nil {
		t.Fatal(err)
	}
	w.env.ExecuteWorkflow("lumo.Journey", w.input)
	if err := w.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("error = %v, want the segment not found", err)
	}
	if got := w.delivered(); len(got) != 0 {
		t.Errorf("delivered %q, want nothing", got)
	}
	if got, want := w.steps(t), []string{"first:failed:"}; !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
}

// A run that reached a segment condition before the interpreter could test one has no
// segment-conditions marker in its history: it replays as it ran, failing the step.
func TestBranch_RunsFromBeforeSegmentConditionsFailAsTheyDid(t *testing.T) {
	w := segmentWorld(t, segmentBranches)
	w.tag(t, "vip")
	w.env.OnGetVersion("segment-conditions", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	w.env.ExecuteWorkflow("lumo.Journey", w.input)
	err := w.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "segment conditions are not available yet") {
		t.Fatalf("error = %v, want the old refusal", err)
	}
	if got := w.delivered(); len(got) != 0 {
		t.Errorf("delivered %q, want nothing", got)
	}
}
