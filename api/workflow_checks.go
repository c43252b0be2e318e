package api

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/internal/safetext"
	"github.com/lumoworkflows/lumo/internal/strictjson"
	"github.com/lumoworkflows/lumo/models"
)

// limits are the definition limits of the configuration.
func (s *server) limits() definition.Limits {
	return definition.Limits{MaxNodes: s.cfg.MaxNodes, MaxBytes: s.cfg.MaxDefinitionBytes}
}

// parseDraft parses a definition sent to be saved as a draft. Drafts may be incomplete,
// so most problems are reported, not refused; what is refused is what no draft may be:
// not a JSON object (400), over the size limit (413), over the step limit or without a
// name (422).
func (s *server) parseDraft(doc []byte, what string) (*definition.Definition, definition.Problems, error) {
	limits := s.limits()
	if len(doc) > limits.MaxBytes {
		return nil, nil, &Error{
			Status:  413,
			Code:    CodeTooLarge,
			Message: fmt.Sprintf("%sdefinition is %s; the limit is %s", what, kilobytes(len(doc)), kilobytes(limits.MaxBytes)),
			Fields:  map[string]string{"definition": fmt.Sprintf("larger than %s", kilobytes(limits.MaxBytes))},
		}
	}
	d, problems := definition.Parse(doc, limits)
	if d == nil {
		return nil, nil, malformedJSON("%s%s", what, problems.Error())
	}
	if repeated := strictjson.DuplicateKeys(doc, reflect.TypeFor[definition.Definition](), ""); len(repeated) > 0 {
		e := duplicateKeys(repeated)
		e.Message = what + "the definition has a key twice in one object; send each key once"
		return nil, nil, e
	}
	refused := definition.Problems{}
	if len(d.Nodes) > limits.MaxNodes {
		refused = append(refused, problems.At("nodes")...)
	}
	if strings.TrimSpace(d.Name) == "" {
		refused = append(refused, definition.Problem{Path: "name", Message: "required"})
	}
	// A name shows in lists, file names and the Temporal Web UI, even a draft's: one
	// that would break those is refused before it is saved.
	if problem := safetext.Problem(d.Name); problem != "" {
		refused = append(refused, definition.Problem{Path: "name", Message: problem})
	}
	if len(refused) > 0 {
		e := validationFailed(refused.Fields())
		e.Message = what + "the definition cannot be saved: " + refused.Error()
		return nil, nil, e
	}
	return d, problems, nil
}

func kilobytes(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KB", n/1024)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

// draftInput is what the Store keeps of a draft: the document as sent, and the few
// fields lists and routing need.
func draftInput(d *definition.Definition, doc []byte) models.WorkflowInput {
	in := models.WorkflowInput{
		Name:        d.Name,
		Description: d.Description,
		TriggerType: d.Trigger.Type,
		Document:    doc,
	}
	if d.LineAccountID != "" {
		in.LineAccountID = &d.LineAccountID
	}
	return in
}

// activationProblems is everything activation would refuse in d, the draft of workflow
// workflowID: the definition's own problems, references to objects the workspace lacks,
// a missing LINE account, and workflows that would start each other in a cycle.
func (s *server) activationProblems(ctx context.Context, workspaceID, workflowID string, d *definition.Definition, parsed definition.Problems) (definition.Problems, error) {
	problems := append(definition.Problems{}, parsed...)
	if d.LineAccountID == "" && len(problems.At("lineAccountId")) == 0 {
		problems = append(problems, definition.Problem{Path: "lineAccountId", Message: "required to activate: the LINE account the workflow runs for"})
	}
	problems = append(problems, s.unavailableSteps(d)...)
	missing, err := s.referenceProblems(ctx, workspaceID, d)
	if err != nil {
		return nil, err
	}
	problems = append(problems, missing...)
	unsigned, err := s.signingSecretProblems(ctx, workspaceID, d)
	if err != nil {
		return nil, err
	}
	problems = append(problems, unsigned...)
	cycle, err := s.workflowCycle(ctx, workspaceID, workflowID, d)
	if err != nil {
		return nil, err
	}
	return append(problems, cycle...), nil
}

// objectKinds maps the definition's reference kinds to the Store's.
var objectKinds = map[definition.RefKind]models.ObjectKind{
	definition.RefLineAccount: models.ObjectLineAccount,
	definition.RefAutoMessage: models.ObjectAutoMessage,
	definition.RefSegment:     models.ObjectSegment,
	definition.RefWorkflow:    models.ObjectWorkflow,
	definition.RefQRCode:      models.ObjectQRCode,
	definition.RefTag:         models.ObjectTag,
	definition.RefSecret:      models.ObjectSecret,
}

// missingReferences returns the references of d to objects the workspace does not have.
// Tags a step of d adds count as present: activation creates them.
func (s *server) missingReferences(ctx context.Context, workspaceID string, d *definition.Definition) ([]definition.Reference, error) {
	refs := d.References()
	idsByKind := map[definition.RefKind][]string{}
	for _, ref := range refs {
		idsByKind[ref.Kind] = append(idsByKind[ref.Kind], ref.ID)
	}
	existing := map[definition.RefKind]map[string]bool{}
	for kind, ids := range idsByKind {
		objectKind, ok := objectKinds[kind]
		if !ok {
			continue
		}
		found, err := s.store.ExistingObjects(ctx, workspaceID, objectKind, ids)
		if err != nil {
			return nil, err
		}
		existing[kind] = found
	}
	added := map[string]bool{}
	for _, name := range addedTags(d) {
		added[name] = true
	}
	var missing []definition.Reference
	for _, ref := range refs {
		if existing[ref.Kind][ref.ID] || ref.Kind == definition.RefTag && added[ref.ID] {
			continue
		}
		missing = append(missing, ref)
	}
	return missing, nil
}

func (s *server) referenceProblems(ctx context.Context, workspaceID string, d *definition.Definition) (definition.Problems, error) {
	missing, err := s.missingReferences(ctx, workspaceID, d)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	type object struct {
		kind definition.RefKind
		id   string
	}
	unknown := map[object]bool{}
	for _, ref := range missing {
		unknown[object{ref.Kind, ref.ID}] = true
	}
	return definition.CheckReferences(d.References(), func(kind definition.RefKind, id string) bool {
		return !unknown[object{kind, id}]
	}), nil
}

// addedTags are the fixed tag names the steps of d add: a tag step's, and a question's
// saveTo.tag when it is a fixed marker rather than a {{answer}} text.
func addedTags(d *definition.Definition) []string {
	var names []string
	for _, node := range d.Nodes {
		switch n := node.(type) {
		case *definition.Tag:
			names = append(names, n.Add...)
		case *definition.Question:
			if n.SaveTo.Tag != "" && !strings.Contains(n.SaveTo.Tag, "{{") {
				names = append(names, n.SaveTo.Tag)
			}
		}
	}
	return names
}

// workflowCycle reports, at the first start_workflow step, a cycle of workflows that
// would start each other if workflowID were activated with d.
func (s *server) workflowCycle(ctx context.Context, workspaceID, workflowID string, d *definition.Definition) (definition.Problems, error) {
	starts := d.StartsWorkflows()
	if len(starts) == 0 {
		return nil, nil
	}
	edges, err := s.store.ActiveStartEdges(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	edges[workflowID] = starts
	cycle := definition.FindWorkflowCycle(workflowID, func(id string) []string { return edges[id] })
	if cycle == nil {
		return nil, nil
	}
	names := make([]string, len(cycle))
	for i, id := range cycle {
		names[i] = s.workflowLabel(ctx, workspaceID, id)
	}
	path := "nodes"
	for _, ref := range d.References() {
		if ref.Kind == definition.RefWorkflow && ref.ID == cycle[1] {
			path = ref.Path
			break
		}
	}
	return definition.Problems{{
		Path:    path,
		Message: "workflows would start each other in a loop: " + strings.Join(names, " → "),
	}}, nil
}

// workflowLabel names a workflow for a person: its name and ID.
func (s *server) workflowLabel(ctx context.Context, workspaceID, id string) string {
	w, err := s.store.GetWorkflow(ctx, workspaceID, id)
	if err != nil {
		return id
	}
	return fmt.Sprintf("%q (%s)", w.Name, id)
}

// unavailableSteps reports the steps of d whose kind the engine cannot run yet.
func (s *server) unavailableSteps(d *definition.Definition) definition.Problems {
	if s.runs == nil {
		return nil
	}
	var problems definition.Problems
	for i, node := range d.Nodes {
		kind := node.Base().Type
		if _, known := definition.LookupKind(kind); known && !s.runs(kind) {
			message := fmt.Sprintf("%s steps are not available yet: this engine cannot run them", kind)
			if kind == definition.KindCustomerAgent {
				message = "customer_agent steps are not available: this engine cannot hand a conversation to a customer agent yet; remove the step to activate the workflow"
			}
			problems = append(problems, definition.Problem{Path: fmt.Sprintf("nodes[%d].type", i), Message: message})
		}
	}
	return problems
}
