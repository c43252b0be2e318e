package models

import (
	"context"
	"fmt"
)

// TriggeredWorkflow is an active workflow an event may start, with the definition of
// its active version (whose trigger decides whether the event matches).
type TriggeredWorkflow struct {
	WorkflowID string
	Version    int
	Definition JSONDocument
}

// TriggeredWorkflows returns the account's active workflows whose trigger is of one of
// triggerTypes, in one indexed query.
func (s *Store) TriggeredWorkflows(ctx context.Context, workspaceID, lineAccountID string, triggerTypes []string) ([]TriggeredWorkflow, error) {
	var found []TriggeredWorkflow
	err := s.db.WithContext(ctx).Table("workflows AS w").
		Select("w.id AS workflow_id, v.version AS version, v.definition AS definition").
		Joins("JOIN workflow_versions AS v ON v.id = w.active_version_id").
		Where("w.workspace_id = ? AND w.line_account_id = ? AND w.status = ? AND w.trigger_type IN ?",
			workspaceID, lineAccountID, WorkflowActive, triggerTypes).
		Order("w.id").Scan(&found).Error
	if err != nil {
		return nil, fmt.Errorf("find the workflows triggered on line account %s: %w", lineAccountID, err)
	}
	return found, nil
}
