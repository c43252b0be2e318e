package api

import (
	"context"

	"github.com/lumoworkflows/lumo/models"
)

// Engine runs executions on Temporal: the interpreter side of the enrollment, reply and
// eject routes. Package engine provides it (engine.Engine); without one those
// routes answer 503.
//
// Errors: models.ErrNotFound (404), *models.ConflictError (409: the workflow is not
// active, the friend is already enrolled, the execution has ended), *models.FieldError
// (422), models.ErrUnavailable (503: Temporal cannot be reached; nothing changed).
type Engine interface {
	// Enroll starts a run of the workflow's active version for one friend and returns
	// its executions row.
	Enroll(ctx context.Context, e models.Enrollment) (models.Execution, error)
	// Eject ends one running execution (status "ejected") and returns its row.
	Eject(ctx context.Context, workspaceID, executionID string) (models.Execution, error)
	// Reply hands a friend's answer to a running execution (a waiting question takes it).
	Reply(ctx context.Context, workspaceID, executionID string, r models.ExecutionReply) error
	// EjectWorkflow ends every running execution of a stopped workflow, in the
	// background and durably; it returns once that work is under way.
	EjectWorkflow(ctx context.Context, workspaceID, workflowID string) error
	// DeliverLineEvents hands a webhook's new events to Temporal, in order per friend;
	// it returns once every event is durably there.
	DeliverLineEvents(ctx context.Context, workspaceID, lineAccountID string, events []models.LineEvent) error

	// StartBroadcast saves a broadcast and starts its workflow, now or at its
	// scheduledAt.
	StartBroadcast(ctx context.Context, workspaceID string, in models.BroadcastInput) (models.Broadcast, error)
	// CancelBroadcast cancels a broadcast that has not finished (409 once it has).
	CancelBroadcast(ctx context.Context, workspaceID, id string) (models.Broadcast, error)
	// ResumeBroadcast sends the rest of a stopped broadcast (409 unless stopped).
	ResumeBroadcast(ctx context.Context, workspaceID, id string) (models.Broadcast, error)
}
