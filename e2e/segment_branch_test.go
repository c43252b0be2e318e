package e2e_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/models"
)

// segmentBranchDefinition branches on a segment twice, with a question between the two
// branches; SEGMENT is replaced by the segment's ID.
const segmentBranchDefinition = `{
  "name": "VIP check",
  "trigger": {"type": "manual"},
  "start": "first",
  "nodes": [
    {"id": "first", "type": "branch", "branches": [{"when": {"segment": "SEGMENT"}, "next": "in1"}], "else": "out1"},
    {"id": "in1", "type": "send_message", "messages": [{"type": "text", "text": "member at first"}], "next": "ask"},
    {"id": "out1", "type": "send_message", "messages": [{"type": "text", "text": "not a member at first"}], "next": "ask"},
    {"id": "ask", "type": "question", "message": {"type": "text", "text": "Ready?"}, "answer": {"type": "text"}, "next": "second"},
    {"id": "second", "type": "branch", "branches": [{"when": {"segment": "SEGMENT"}, "next": "in2"}], "else": "out2"},
    {"id": "in2", "type": "send_message", "messages": [{"type": "text", "text": "member at second"}]},
    {"id": "out2", "type": "send_message", "messages": [{"type": "text", "text": "not a member at second"}]}
  ]
}`

// A workflow that branches on a segment sends members and others down their own
// outlets, and reads membership at each branch: a friend tagged while the run waits
// between two branches is a member at the second.
func TestSegmentBranch_TakesEachOutletAndSeesATagPutOnBetweenBranches(t *testing.T) {
	w := newWorld(t)
	segment := w.must(http.StatusCreated, http.MethodPost, "/v1/segments", map[string]any{
		"name": "VIPs",
		"groups": []any{map[string]any{"conditions": []any{
			map[string]any{"property": "tag", "op": "contains_any", "value": []string{"vip"}},
		}}},
	}).str("id")
	workflowID := w.activeWorkflow(strings.ReplaceAll(segmentBranchDefinition, "SEGMENT", segment))

	type person struct {
		name, friendID, lineUserID, execution string
		want                                  []string
	}
	member := &person{name: "Mina", want: []string{"member at first", "Ready?", "member at second"}}
	taggedBetween := &person{name: "Ken", want: []string{"not a member at first", "Ready?", "member at second"}}
	never := &person{name: "Yuki", want: []string{"not a member at first", "Ready?", "not a member at second"}}
	people := []*person{member, taggedBetween, never}
	for _, p := range people {
		p.friendID, p.lineUserID = w.friend(p.name)
	}
	w.must(http.StatusOK, http.MethodPost, "/v1/friends/"+member.friendID+"/tags", map[string]any{"tag": "vip"})

	var ids []string
	for _, p := range people {
		p.execution = w.enroll(workflowID, p.friendID)
		ids = append(ids, p.execution)
	}
	w.waitForWaiting(ids, "ask", time.Minute)
	// Ken has passed the first branch as a non-member; tagged now, he is one at the second.
	w.must(http.StatusOK, http.MethodPost, "/v1/friends/"+taggedBetween.friendID+"/tags", map[string]any{"tag": "vip"})
	for _, p := range people {
		w.must(http.StatusAccepted, http.MethodPost, "/v1/executions/"+p.execution+"/replies", map[string]any{"text": "yes"})
	}
	w.waitForStatus(ids, models.ExecutionCompleted, time.Minute)

	for _, p := range people {
		if got := w.texts(p.lineUserID); strings.Join(got, "|") != strings.Join(p.want, "|") {
			t.Errorf("%s received %q, want %q", p.name, got, p.want)
		}
	}
	wantTraces := map[*person]string{
		member:        "first:succeeded:branches[0].next|in1:succeeded:next|ask:succeeded:next|second:succeeded:branches[0].next|in2:succeeded:next",
		taggedBetween: "first:succeeded:else|out1:succeeded:next|ask:succeeded:next|second:succeeded:branches[0].next|in2:succeeded:next",
		never:         "first:succeeded:else|out1:succeeded:next|ask:succeeded:next|second:succeeded:else|out2:succeeded:next",
	}
	for p, want := range wantTraces {
		if got := traceOf(w.execution(p.execution)); got != want {
			t.Errorf("%s trace %s, want %s", p.name, got, want)
		}
	}
}
