package models

import (
	"context"
	"fmt"
)

// What the engine needs of the executions table beyond the trace: undoing a start that
// Temporal refused, naming the Temporal run, and finding the runs to eject.

// DiscardExecution deletes an execution that never ran: its row was written before the
// Temporal start and the start was refused (the friend is already enrolled, Temporal is
// down). A row with trace steps is kept; deleting it then is a no-op.
func (s *Store) DiscardExecution(ctx context.Context, workspaceID, id string) error {
	db := s.db.WithContext(ctx)
	err := db.Where("workspace_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM execution_steps WHERE execution_id = ?)",
		workspaceID, id, id).Delete(&Execution{}).Error
	if err != nil {
		return fmt.Errorf("discard execution %s: %w", id, err)
	}
	return nil
}

// SetExecutionRunID records the Temporal run ID of the execution's first run.
func (s *Store) SetExecutionRunID(ctx context.Context, workspaceID, id, runID string) error {
	err := s.db.WithContext(ctx).Model(&Execution{}).
		Where("workspace_id = ? AND id = ?", workspaceID, id).
		Update("temporal_run_id", runID).Error
	if err != nil {
		return fmt.Errorf("set run ID of execution %s: %w", id, err)
	}
	return nil
}

// RunningExecutions returns up to limit of a workflow's running executions whose IDs
// sort after afterID (oldest first), so an ejection can walk them page by page while
// they leave the running set.
func (s *Store) RunningExecutions(ctx context.Context, workspaceID, workflowID, afterID string, limit int) ([]Execution, error) {
	var runs []Execution
	err := s.db.WithContext(ctx).
		Where("workspace_id = ? AND workflow_id = ? AND status = ? AND id > ?", workspaceID, workflowID, ExecutionRunning, afterID).
		Order("id").Limit(limit).Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("list running executions of workflow %s: %w", workflowID, err)
	}
	return runs, nil
}

// RunningExecutionsOfFriend returns a friend's running executions across workflows.
func (s *Store) RunningExecutionsOfFriend(ctx context.Context, workspaceID, friendID string) ([]Execution, error) {
	var runs []Execution
	err := s.db.WithContext(ctx).
		Where("workspace_id = ? AND friend_id = ? AND status = ?", workspaceID, friendID, ExecutionRunning).
		Order("id").Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("list running executions of friend %s: %w", friendID, err)
	}
	return runs, nil
}
