package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// liveWorkflowsUsing returns the active and paused workflows whose active version uses
// an object, by uses. A definition is read only when it contains one of needles (the
// object's ID or name, say), which spares parsing every other one.
func (s *server) liveWorkflowsUsing(ctx context.Context, workspaceID string, needles []string, uses func(*definition.Definition) bool) ([]models.LiveDefinition, error) {
	live, err := s.store.LiveDefinitions(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	// Frozen definitions passed the limits of their day; read them whatever today's are.
	limits := definition.Limits{MaxNodes: 1 << 20, MaxBytes: 1 << 30}
	var users []models.LiveDefinition
	for _, w := range live {
		if !slices.ContainsFunc(needles, func(needle string) bool { return bytes.Contains(w.Definition, []byte(needle)) }) {
			continue
		}
		if d, _ := definition.Parse(w.Definition, limits); d != nil && uses(d) {
			users = append(users, w)
		}
	}
	return users, nil
}

// referencesObject tells whether d refers to the object of kind named id.
func referencesObject(d *definition.Definition, kind definition.RefKind, id string) bool {
	for _, ref := range d.References() {
		if ref.Kind == kind && ref.ID == id {
			return true
		}
	}
	return false
}

// inUseConflict is the 409 of deleting what live workflows use: it names them, and says
// what would free the object.
func inUseConflict(what string, users []models.LiveDefinition) error {
	names := make([]string, len(users))
	for i, w := range users {
		names[i] = fmt.Sprintf("%q (%s, %s)", w.Name, w.WorkflowID, w.Status)
	}
	noun := "workflow"
	if len(users) > 1 {
		noun = "workflows"
	}
	return &models.ConflictError{Message: fmt.Sprintf(
		"%s is used by the live %s %s: stop the workflow, or activate a version without the step, before deleting it",
		what, noun, strings.Join(names, ", "))}
}
