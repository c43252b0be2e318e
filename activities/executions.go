package activities

import (
	"context"
	"fmt"

	"github.com/lumoworkflows/lumo/models"
)

// Executions holds the activities that mirror a run into the database: its row (status,
// current node) and its trace, for the execution history and the statistics.
//
// They are meant to run as local activities: each is one short write to the worker's
// own database, done at every step of every journey, where a regular activity's round
// trip through the Temporal server would cost several times the write. Both are
// idempotent upserts, so the local activity's retries are harmless.
type Executions struct {
	Store *models.Store
}

// RecordStep writes one visit of the trace; writing the same (execution, node, visit)
// again updates that row.
func (e *Executions) RecordStep(ctx context.Context, in StepRecord) error {
	err := e.Store.RecordStep(ctx, models.ExecutionStep{
		WorkspaceID: in.WorkspaceID,
		ExecutionID: in.ExecutionID,
		WorkflowID:  in.WorkflowID,
		NodeID:      in.NodeID,
		NodeType:    in.NodeType,
		Visit:       in.Visit,
		Outcome:     in.Outcome,
		Outlet:      in.Outlet,
		Error:       in.Error,
		LineAPI:     in.LineAPI,
		Messages:    in.Messages,
		StartedAt:   in.StartedAt,
		FinishedAt:  in.FinishedAt,
	})
	return storeFailure(fmt.Sprintf("record step %s (visit %d) of execution %s", in.NodeID, in.Visit, in.ExecutionID), err)
}

// Update moves the execution's row along: status, current node, error, end time. A
// finished execution (completed, failed, ejected) stays as it is; the call then
// succeeds and changes nothing.
func (e *Executions) Update(ctx context.Context, in ExecutionUpdate) error {
	err := e.Store.UpdateExecution(ctx, in.WorkspaceID, in.ExecutionID, models.ExecutionChange{
		Status:      models.ExecutionStatus(in.Status),
		CurrentNode: in.CurrentNode,
		Error:       in.Error,
		FinishedAt:  in.FinishedAt,
	})
	return storeFailure("update execution "+in.ExecutionID, err)
}
