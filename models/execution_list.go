package models

import (
	"context"
	"fmt"
)

// ExecutionFilter narrows ListExecutions; its zero value lists every execution.
type ExecutionFilter struct {
	// Status, when set, keeps the executions in that status; one that is not an
	// ExecutionStatus is a *FieldError on "status".
	Status ExecutionStatus
}

// ListExecutions lists one workflow's executions, newest first, test runs included (their
// Test is set). A workflow that is not the workspace's is ErrNotFound.
//
// Newest first is ID descending, as in every list: execution IDs are NewID()s, which
// sort by creation time.
func (s *Store) ListExecutions(ctx context.Context, workspaceID, workflowID string, filter ExecutionFilter, page Page) ([]Execution, string, error) {
	if filter.Status != "" && !filter.Status.Valid() {
		return nil, "", &FieldError{Field: "status", Message: "must be one of running, completed, failed, ejected"}
	}
	db := s.db.WithContext(ctx)
	if err := rowExists(db, "workflows", workspaceID, workflowID); err != nil {
		return nil, "", err
	}
	q := db.Where("workspace_id = ? AND workflow_id = ?", workspaceID, workflowID)
	if filter.Status != "" {
		q = q.Where("status = ?", filter.Status)
	}
	rows, next, err := listPage(q, page, func(e Execution) string { return e.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list executions of workflow %s: %w", workflowID, err)
	}
	return rows, next, nil
}
