package definition

import (
	"reflect"
	"testing"
)

func TestReferences_ListsEveryWorkspaceObjectWithItsPath(t *testing.T) {
	d := mustParse(t, readTestdata(t, "every_kind.json"))
	want := []Reference{
		{Kind: RefLineAccount, ID: "la_1", Path: "lineAccountId"},
		{Kind: RefAutoMessage, ID: "am_1", Path: "nodes[1].autoMessageId"},
		{Kind: RefTag, ID: "vip", Path: "nodes[4].branches[0].when.tag"},
		{Kind: RefTag, ID: "blocked_offer", Path: "nodes[4].branches[1].when.notTag"},
		{Kind: RefSegment, ID: "seg_1", Path: "nodes[4].branches[2].when.segment"},
		{Kind: RefTag, ID: "coffee_lover", Path: "nodes[5].add[0]"},
		{Kind: RefTag, ID: "tea_lover", Path: "nodes[5].remove[0]"},
		{Kind: RefSecret, ID: "openai_key", Path: "nodes[8].secretRef"},
		{Kind: RefSecret, ID: "hook_secret", Path: "nodes[9].secretRef"},
		{Kind: RefWorkflow, ID: "wf_2", Path: "nodes[10].workflowId"},
	}
	if got := d.References(); !reflect.DeepEqual(got, want) {
		t.Errorf("References() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestReferences_QRCodeAndFixedSaveToTag(t *testing.T) {
	input := file(`{"type":"qr_code_scanned","qrCodeId":"qr_9"}`,
		`{"id":"a","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"text"},"saveTo":{"tag":"answered"},"next":"b"}`,
		`{"id":"b","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"text"},"saveTo":{"tag":"{{answer}}"}}`)
	d := mustParse(t, []byte(input))
	want := []Reference{
		{Kind: RefQRCode, ID: "qr_9", Path: "trigger.qrCodeId"},
		{Kind: RefTag, ID: "answered", Path: "nodes[0].saveTo.tag"},
	}
	if got := d.References(); !reflect.DeepEqual(got, want) {
		t.Errorf("References() = %+v, want %+v", got, want)
	}
}

func TestCheckReferences_NamesTheMissingOnes(t *testing.T) {
	d := mustParse(t, readTestdata(t, "every_kind.json"))
	workspace := map[RefKind][]string{
		RefLineAccount: {"la_1"}, RefAutoMessage: {"am_1"}, RefTag: {"vip", "coffee_lover", "tea_lover", "blocked_offer"},
		RefSecret: {"openai_key", "hook_secret"}, RefWorkflow: {"wf_other"},
	}
	exists := func(kind RefKind, id string) bool {
		for _, have := range workspace[kind] {
			if have == id {
				return true
			}
		}
		return false
	}
	want := Problems{
		{Path: "nodes[4].branches[2].when.segment", Message: `unknown segment "seg_1"`},
		{Path: "nodes[10].workflowId", Message: `unknown workflow "wf_2"`},
	}
	if got := CheckReferences(d.References(), exists); !reflect.DeepEqual(got, want) {
		t.Errorf("CheckReferences = %v, want %v", got, want)
	}
}

func TestClear_RemovesReferencesAndKeepsTheRest(t *testing.T) {
	d := mustParse(t, readTestdata(t, "every_kind.json"))
	refs := d.References()
	var missing []Reference
	for _, ref := range refs {
		if ref.Kind == RefTag || ref.Kind == RefWorkflow || ref.Kind == RefLineAccount {
			missing = append(missing, ref)
		}
	}
	d.Clear(missing...)

	var left []RefKind
	for _, ref := range d.References() {
		left = append(left, ref.Kind)
	}
	if want := []RefKind{RefAutoMessage, RefSegment, RefSecret, RefSecret}; !reflect.DeepEqual(left, want) {
		t.Errorf("left after Clear: %v, want %v", left, want)
	}
	tag := d.Nodes[5].(*Tag)
	if tag.Add != nil || tag.Remove != nil {
		t.Errorf("tag lists should be emptied to nil: %+v", tag)
	}
	if d.LineAccountID != "" || d.Nodes[10].(*StartWorkflow).WorkflowID != "" {
		t.Errorf("fields should be cleared: %q %q", d.LineAccountID, d.Nodes[10].(*StartWorkflow).WorkflowID)
	}

	// What Clear leaves is a draft that still reads and writes the same way.
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	assertStable(t, out)
	d2, problems := Parse(out, DefaultLimits)
	if len(d2.References()) != 4 || len(problems.At("nodes[10].workflowId")) != 1 {
		t.Errorf("after a round trip: refs %v, problems:\n%s", d2.References(), describe(problems))
	}
}

func TestClear_DropsOneEntryOfAList(t *testing.T) {
	d := mustParse(t, []byte(steps(`{"id":"a","type":"tag","add":["keep","drop","also"]}`)))
	d.Clear(Reference{Kind: RefTag, ID: "drop", Path: "nodes[0].add[1]"})
	if got := d.Nodes[0].(*Tag).Add; !reflect.DeepEqual(got, []string{"keep", "also"}) {
		t.Errorf("add = %v", got)
	}
	// A reference whose path no longer matches is left alone.
	d.Clear(Reference{Kind: RefTag, ID: "also", Path: "nodes[0].add[2]"})
	if got := d.Nodes[0].(*Tag).Add; !reflect.DeepEqual(got, []string{"keep", "also"}) {
		t.Errorf("add = %v", got)
	}
}

func TestStartsWorkflows(t *testing.T) {
	d := mustParse(t, []byte(steps(
		`{"id":"a","type":"start_workflow","workflowId":"wf_1","next":"b"}`,
		`{"id":"b","type":"start_workflow","workflowId":"wf_2","next":"c"}`,
		`{"id":"c","type":"start_workflow","workflowId":"wf_1"}`,
	)))
	if got := d.StartsWorkflows(); !reflect.DeepEqual(got, []string{"wf_1", "wf_2"}) {
		t.Errorf("StartsWorkflows() = %v", got)
	}
}
