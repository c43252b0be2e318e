package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Finished tells whether the status is one a run ends in; a finished execution's row
// no longer changes.
func (s ExecutionStatus) Finished() bool {
	return s == ExecutionCompleted || s == ExecutionFailed || s == ExecutionEjected
}

// Valid tells whether s is one of the four statuses.
func (s ExecutionStatus) Valid() bool { return s == ExecutionRunning || s.Finished() }

// ExecutionChange is what moves in an execution's row as the run goes on. Empty fields
// (and a nil FinishedAt) leave the column as it is.
type ExecutionChange struct {
	Status      ExecutionStatus
	CurrentNode string
	Error       string
	// FinishedAt is when the run ended; it is written only with a finished Status, and
	// defaults to now then.
	FinishedAt *time.Time
}

// WorkflowStats are a workflow's figures, test runs left out.
type WorkflowStats struct {
	// Executions by status; Total is their sum.
	Total, Running, Completed, Failed, Ejected int64
	// Nodes holds, per node ID, how its visits went.
	Nodes map[string]NodeStats
}

// NodeStats count a node's visits in the trace: Total counts every visit, including
// those still waiting (a question or delay in progress), so Total >= Succeeded + Failed
// + Waiting. Waiting counts the visits in progress in runs still running: a visit left
// "waiting" by a run that ended some other way is not waiting for anything.
type NodeStats struct {
	// Type is the node's type as the trace recorded it (the greatest, should versions
	// have given one ID different types).
	Type                              string
	Total, Succeeded, Failed, Waiting int64
}

// CreateExecution records the start of a run. e.ID is the caller's (models.NewID(), or
// one derived from the Temporal run), so that creating the same execution again is a
// no-op; an empty Status means running and a zero StartedAt now. The workflow version
// and the friend must be the workspace's, else ErrNotFound.
func (s *Store) CreateExecution(ctx context.Context, e Execution) error {
	if e.ID == "" {
		return fmt.Errorf("create execution: %w: empty ID", ErrInvalidInput)
	}
	if e.Status == "" {
		e.Status = ExecutionRunning
	}
	if !e.Status.Valid() {
		return fmt.Errorf("create execution: %w: unknown status %q", ErrInvalidInput, e.Status)
	}
	db := s.db.WithContext(ctx)
	if e.StartedAt.IsZero() {
		e.StartedAt = db.NowFunc()
	}
	var versions int64
	err := db.Model(&WorkflowVersion{}).
		Where("workspace_id = ? AND workflow_id = ? AND id = ?", e.WorkspaceID, e.WorkflowID, e.VersionID).
		Count(&versions).Error
	if err != nil {
		return fmt.Errorf("create execution: look up version: %w", err)
	}
	if versions == 0 {
		return fmt.Errorf("create execution: version %s of workflow %s: %w", e.VersionID, e.WorkflowID, ErrNotFound)
	}
	if err := rowExists(db, "friends", e.WorkspaceID, e.FriendID); err != nil {
		return fmt.Errorf("create execution: friend %s: %w", e.FriendID, err)
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&e).Error; err != nil {
		return fmt.Errorf("create execution: %w", err)
	}
	return nil
}

// GetExecution returns one of the workspace's executions.
func (s *Store) GetExecution(ctx context.Context, workspaceID, id string) (Execution, error) {
	var e Execution
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&e).Error
	return e, notFound(err)
}

// UpdateExecution applies change to a running execution. A finished execution (completed,
// failed, ejected) stays as it is: the call is then a no-op, not an error, because a late
// or retried write must not revive a run that ended. So the first end wins, and
// an ejection racing a completion cannot flip it.
func (s *Store) UpdateExecution(ctx context.Context, workspaceID, id string, change ExecutionChange) error {
	if change.Status != "" && !change.Status.Valid() {
		return fmt.Errorf("update execution %s: %w: unknown status %q", id, ErrInvalidInput, change.Status)
	}
	db := s.db.WithContext(ctx)
	columns := map[string]any{"updated_at": db.NowFunc()}
	if change.Status != "" {
		columns["status"] = change.Status
	}
	if change.CurrentNode != "" {
		columns["current_node"] = change.CurrentNode
	}
	if change.Error != "" {
		columns["error"] = change.Error
	}
	if change.Status.Finished() {
		columns["finished_at"] = db.NowFunc()
		if change.FinishedAt != nil {
			columns["finished_at"] = change.FinishedAt.UTC()
		}
	}
	res := db.Model(&Execution{}).
		Where("workspace_id = ? AND id = ? AND status = ?", workspaceID, id, ExecutionRunning).
		Updates(columns)
	if res.Error != nil {
		return fmt.Errorf("update execution %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		// Finished already (nothing to do), or not the workspace's.
		return rowExists(db, "executions", workspaceID, id)
	}
	return nil
}

// RecordStep writes one row of an execution's trace. Writing the same (execution, node,
// visit) again updates that row, so a retried write never adds a second one; but a write
// without FinishedAt does not overwrite a finished step, so a late retry of "waiting"
// cannot undo "succeeded". The row's workspace and workflow are the execution's, which
// must be the workspace's (else ErrNotFound).
func (s *Store) RecordStep(ctx context.Context, step ExecutionStep) error {
	if step.NodeID == "" || step.Visit < 1 {
		return fmt.Errorf("record step: %w: want a node ID and a visit from 1, got %q and %d", ErrInvalidInput, step.NodeID, step.Visit)
	}
	db := s.db.WithContext(ctx)
	var e Execution
	err := db.Select("id", "workflow_id").Where("workspace_id = ? AND id = ?", step.WorkspaceID, step.ExecutionID).Take(&e).Error
	if err != nil {
		return fmt.Errorf("record step %s/%d of execution %s: %w", step.NodeID, step.Visit, step.ExecutionID, notFound(err))
	}
	step.ID = NewID()
	step.WorkflowID = e.WorkflowID
	if step.StartedAt.IsZero() {
		step.StartedAt = db.NowFunc()
	}
	step.StartedAt = step.StartedAt.UTC()
	if step.FinishedAt != nil {
		t := step.FinishedAt.UTC()
		step.FinishedAt = &t
	}
	update := func(columns ...string) clause.Set {
		set := make(clause.Set, 0, len(columns))
		for _, c := range columns {
			set = append(set, clause.Assignment{Column: clause.Column{Name: c}, Value: gorm.Expr("excluded." + c)})
		}
		return set
	}
	err = db.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "execution_id"}, {Name: "node_id"}, {Name: "visit"}},
		// started_at stays the first write's: the visit started once.
		DoUpdates: update("node_type", "outcome", "outlet", "error", "line_api", "messages", "finished_at"),
		Where: clause.Where{Exprs: []clause.Expression{
			gorm.Expr("execution_steps.finished_at IS NULL OR excluded.finished_at IS NOT NULL"),
		}},
	}).Create(&step).Error
	if err != nil {
		return fmt.Errorf("record step %s/%d of execution %s: %w", step.NodeID, step.Visit, step.ExecutionID, err)
	}
	return nil
}

// ExecutionSteps returns an execution's trace in the order it ran: by start time, then
// by first write (IDs are time-ordered), since steps that run within one workflow task
// share a start time. An execution that is not the workspace's is ErrNotFound.
func (s *Store) ExecutionSteps(ctx context.Context, workspaceID, executionID string) ([]ExecutionStep, error) {
	db := s.db.WithContext(ctx)
	steps := []ExecutionStep{}
	err := db.Where("workspace_id = ? AND execution_id = ?", workspaceID, executionID).
		Order("started_at, id").Find(&steps).Error
	if err != nil {
		return nil, fmt.Errorf("read steps of execution %s: %w", executionID, err)
	}
	if len(steps) == 0 {
		if err := rowExists(db, "executions", workspaceID, executionID); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// WorkflowStats counts a workflow's executions by status and its nodes' visits by
// outcome, leaving test runs out. A workflow that is not the workspace's is ErrNotFound.
func (s *Store) WorkflowStats(ctx context.Context, workspaceID, workflowID string) (WorkflowStats, error) {
	db := s.db.WithContext(ctx)
	if err := rowExists(db, "workflows", workspaceID, workflowID); err != nil {
		return WorkflowStats{}, err
	}
	var byStatus []struct {
		Status ExecutionStatus
		N      int64
	}
	err := db.Model(&Execution{}).Select("status, COUNT(*) AS n").
		Where("workspace_id = ? AND workflow_id = ? AND test = ?", workspaceID, workflowID, false).
		Group("status").Scan(&byStatus).Error
	if err != nil {
		return WorkflowStats{}, fmt.Errorf("count executions of workflow %s: %w", workflowID, err)
	}
	stats := WorkflowStats{Nodes: map[string]NodeStats{}}
	for _, row := range byStatus {
		stats.Total += row.N
		switch row.Status {
		case ExecutionRunning:
			stats.Running = row.N
		case ExecutionCompleted:
			stats.Completed = row.N
		case ExecutionFailed:
			stats.Failed = row.N
		case ExecutionEjected:
			stats.Ejected = row.N
		}
	}

	var byNode []struct {
		NodeID, NodeType                  string
		Total, Succeeded, Failed, Waiting int64
	}
	err = db.Table("execution_steps AS s").
		Select(`s.node_id,
			MAX(s.node_type) AS node_type,
			COUNT(*) AS total,
			SUM(CASE WHEN s.outcome = 'succeeded' THEN 1 ELSE 0 END) AS succeeded,
			SUM(CASE WHEN s.outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
			SUM(CASE WHEN s.outcome = 'waiting' AND e.status = 'running' THEN 1 ELSE 0 END) AS waiting`).
		Joins("JOIN executions AS e ON e.id = s.execution_id").
		Where("s.workspace_id = ? AND s.workflow_id = ? AND e.test = ?", workspaceID, workflowID, false).
		Group("s.node_id").Scan(&byNode).Error
	if err != nil {
		return WorkflowStats{}, fmt.Errorf("count steps of workflow %s: %w", workflowID, err)
	}
	for _, row := range byNode {
		stats.Nodes[row.NodeID] = NodeStats{
			Type: row.NodeType, Total: row.Total, Succeeded: row.Succeeded, Failed: row.Failed, Waiting: row.Waiting,
		}
	}
	return stats, nil
}
