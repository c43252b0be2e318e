package definition

import (
	"fmt"
	"slices"
)

// RefKind is the kind of workspace object a definition refers to by ID.
type RefKind string

const (
	RefLineAccount RefKind = "line_account"
	RefAutoMessage RefKind = "auto_message"
	RefSegment     RefKind = "segment"
	RefWorkflow    RefKind = "workflow"
	RefQRCode      RefKind = "qr_code"
	// RefTag is a tag a step adds or removes or a condition tests. Whether tags must
	// exist beforehand is the workspace's rule: an exists func that accepts every tag
	// makes them free-form.
	RefTag RefKind = "tag"
	// RefSecret is a workspace secret that signs send_data requests or authenticates a
	// customer agent; definitions name secrets and never hold them.
	RefSecret RefKind = "secret"
)

var refNouns = map[RefKind]string{
	RefLineAccount: "LINE account",
	RefAutoMessage: "auto message",
	RefSegment:     "segment",
	RefWorkflow:    "workflow",
	RefQRCode:      "QR code",
	RefTag:         "tag",
	RefSecret:      "secret",
}

// Reference is one mention of a workspace object, at its path in the definition.
type Reference struct {
	Kind RefKind `json:"kind"`
	ID   string  `json:"id"`
	Path string  `json:"path"`
}

// References lists every reference to a workspace object, in document order. Empty IDs
// (as templates leave them) are not references. A question's saveTo.tag is a reference
// only when it is a fixed name, not a {{…}} text.
func (d *Definition) References() []Reference {
	var refs []Reference
	d.walkReferences(func(ref Reference, _ func()) { refs = append(refs, ref) })
	return refs
}

// CheckReferences reports each reference whose object does not exist ("unknown segment
// \"x\"" at its path).
func CheckReferences(refs []Reference, exists func(kind RefKind, id string) bool) Problems {
	var problems Problems
	for _, ref := range refs {
		if !exists(ref.Kind, ref.ID) {
			noun := refNouns[ref.Kind]
			if noun == "" {
				noun = string(ref.Kind)
			}
			problems = append(problems, Problem{Path: ref.Path, Message: fmt.Sprintf("unknown %s %q", noun, ref.ID)})
		}
	}
	return problems
}

// Clear removes references from d, as import does with those the workspace lacks: a
// field is emptied, an entry of a tag list is dropped. Pass every reference to clear in
// one call: dropping a list entry moves the ones after it, so a path from an earlier
// References call may no longer match. A reference matches on kind, ID and path. What is
// left may be incomplete (a condition with no segment): import saves it as a draft.
func (d *Definition) Clear(refs ...Reference) {
	d.walkReferences(func(ref Reference, clear func()) {
		if slices.Contains(refs, ref) {
			clear()
		}
	})
	for _, n := range d.Nodes {
		if t, ok := n.(*Tag); ok {
			t.Add = dropEmpty(t.Add)
			t.Remove = dropEmpty(t.Remove)
		}
	}
}

// dropEmpty removes the entries Clear emptied, and leaves nil rather than an empty list
// so the definition stays canonical.
func dropEmpty(list []string) []string {
	list = slices.DeleteFunc(list, func(s string) bool { return s == "" })
	if len(list) == 0 {
		return nil
	}
	return list
}

// StartsWorkflows returns the IDs of the workflows this one's start_workflow steps
// enroll friends into, each once, in document order.
func (d *Definition) StartsWorkflows() []string {
	var ids []string
	for _, n := range d.Nodes {
		if s, ok := n.(*StartWorkflow); ok && s.WorkflowID != "" && !slices.Contains(ids, s.WorkflowID) {
			ids = append(ids, s.WorkflowID)
		}
	}
	return ids
}

// walkReferences calls fn with every reference and a func that clears it. A tag list
// entry is cleared to "", for Clear to drop afterwards, so the indexes of the others
// stay put during the walk.
func (d *Definition) walkReferences(fn func(ref Reference, clear func())) {
	field := func(kind RefKind, path string, p *string) {
		if *p != "" {
			fn(Reference{Kind: kind, ID: *p, Path: path}, func() { *p = "" })
		}
	}
	list := func(kind RefKind, path string, items []string) {
		for i := range items {
			field(kind, fmt.Sprintf("%s[%d]", path, i), &items[i])
		}
	}
	field(RefLineAccount, "lineAccountId", &d.LineAccountID)
	field(RefQRCode, "trigger.qrCodeId", &d.Trigger.QRCodeID)
	for i, n := range d.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		switch n := n.(type) {
		case *SendAutoMessage:
			field(RefAutoMessage, path+".autoMessageId", &n.AutoMessageID)
		case *StartWorkflow:
			field(RefWorkflow, path+".workflowId", &n.WorkflowID)
		case *Tag:
			list(RefTag, path+".add", n.Add)
			list(RefTag, path+".remove", n.Remove)
		case *Question:
			if names, err := TemplateNames(n.SaveTo.Tag); err == nil && len(names) == 0 {
				field(RefTag, path+".saveTo.tag", &n.SaveTo.Tag)
			}
		case *Branch:
			for j := range n.Branches {
				walkConditionReferences(&n.Branches[j].When, fmt.Sprintf("%s.branches[%d].when", path, j), field)
			}
		case *SendData:
			field(RefSecret, path+".secretRef", &n.SecretRef)
		case *CustomerAgent:
			field(RefSecret, path+".secretRef", &n.SecretRef)
		}
	}
}

func walkConditionReferences(cond *Condition, path string, field func(RefKind, string, *string)) {
	field(RefTag, path+".tag", &cond.Tag)
	field(RefTag, path+".notTag", &cond.NotTag)
	field(RefSegment, path+".segment", &cond.Segment)
	for i := range cond.All {
		walkConditionReferences(&cond.All[i], fmt.Sprintf("%s.all[%d]", path, i), field)
	}
	for i := range cond.Any {
		walkConditionReferences(&cond.Any[i], fmt.Sprintf("%s.any[%d]", path, i), field)
	}
}
