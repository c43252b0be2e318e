package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"
)

// WorkflowAction is something done to a workflow that its status may forbid.
type WorkflowAction string

const (
	ActionActivate WorkflowAction = "activate"
	ActionPause    WorkflowAction = "pause"
	ActionStop     WorkflowAction = "stop"
	ActionArchive  WorkflowAction = "archive"
	ActionEdit     WorkflowAction = "edit"
	ActionDelete   WorkflowAction = "delete"
)

// Allows tells whether a workflow in status s may undergo action. The lifecycle:
//
//	activate  draft, active, paused, stopped -> active  (a new version, or resume)
//	pause     active                         -> paused  (runs in flight go on)
//	stop      active, paused, stopped        -> stopped (runs are ejected; again to retry that)
//	archive   draft, stopped                 -> archived (read-only from then on)
//	edit      any but archived                  (the draft only)
//	delete    draft, stopped, archived
//
// Cloning and reading are allowed in every status.
func (s WorkflowStatus) Allows(action WorkflowAction) bool {
	switch action {
	case ActionActivate, ActionEdit:
		return s == WorkflowDraft || s == WorkflowActive || s == WorkflowPaused || s == WorkflowStopped
	case ActionPause:
		return s == WorkflowActive
	case ActionStop:
		return s == WorkflowActive || s == WorkflowPaused || s == WorkflowStopped
	case ActionArchive:
		return s == WorkflowDraft || s == WorkflowStopped
	case ActionDelete:
		return s == WorkflowDraft || s == WorkflowStopped || s == WorkflowArchived
	}
	return false
}

// TransitionError refuses an action the workflow's current status does not allow; the
// workflow is unchanged. It matches ErrConflict with errors.Is (the API answers 409 and
// reports Status).
type TransitionError struct {
	Action WorkflowAction
	Status WorkflowStatus
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s a workflow that is %s", e.Action, e.Status)
}

// Is makes errors.Is(err, ErrConflict) hold for a TransitionError.
func (e *TransitionError) Is(target error) bool { return target == ErrConflict }

// changeWorkflow locks one of the workspace's workflows, checks that its status allows
// action, and lets change alter it, all in one transaction. It returns the workflow as
// change left it.
func (s *Store) changeWorkflow(ctx context.Context, workspaceID, id string, action WorkflowAction, change func(tx *gorm.DB, w *Workflow) error) (Workflow, error) {
	var w Workflow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if w, err = lockWorkflow(tx, workspaceID, id); err != nil {
			return err
		}
		if !w.Status.Allows(action) {
			return &TransitionError{Action: action, Status: w.Status}
		}
		return change(tx, &w)
	})
	if err != nil {
		return Workflow{}, err
	}
	return w, nil
}

// Activation is a validated definition to freeze, with what the caller read out of it.
type Activation struct {
	// Document is the frozen definition (canonical JSON), stored byte for byte.
	Document []byte
	// Hash identifies Document's content; empty means the SHA-256 of Document, in hex.
	Hash string
	// TriggerType and LineAccountID route webhook events to the workflow. A LineAccountID
	// that is not one of the workspace's accounts is ErrUnknownLineAccount.
	TriggerType   string
	LineAccountID *string
	// StartsWorkflows are the IDs of the workflows the definition's start_workflow steps
	// start, for loop detection across workflows (see ActiveStartEdges).
	StartsWorkflows []string
	// Actor is who activates; it becomes the version's PublishedBy.
	Actor string
}

// Activate makes the workflow active with the definition in a. From draft, stopped,
// paused or active, it freezes a new version numbered one past the latest and makes it
// the active version (runs in flight keep theirs). When a's hash is the active version's,
// no version is added: an active workflow is returned unchanged, a paused or stopped one
// resumes on that version. Archived is a *TransitionError.
//
// Activations of one workflow queue on its row, so concurrent ones get consecutive
// version numbers.
func (s *Store) Activate(ctx context.Context, workspaceID, id string, a Activation) (Workflow, WorkflowVersion, error) {
	if err := checkJSON("activated", a.Document); err != nil {
		return Workflow{}, WorkflowVersion{}, err
	}
	hash := a.Hash
	if hash == "" {
		sum := sha256.Sum256(a.Document)
		hash = hex.EncodeToString(sum[:])
	}
	var version WorkflowVersion
	w, err := s.changeWorkflow(ctx, workspaceID, id, ActionActivate, func(tx *gorm.DB, w *Workflow) error {
		if w.ActiveVersionID != nil {
			if err := tx.Where("id = ?", *w.ActiveVersionID).Take(&version).Error; err != nil {
				return fmt.Errorf("read active version: %w", err)
			}
			if version.Hash == hash {
				if w.Status == WorkflowActive {
					return nil
				}
				return setColumns(tx, w, map[string]any{"status": WorkflowActive})
			}
		}
		account, err := workspaceLineAccount(tx, workspaceID, a.LineAccountID)
		if err != nil {
			return err
		}
		if a.LineAccountID != nil && *a.LineAccountID != "" && account == nil {
			return ErrUnknownLineAccount
		}
		var latest int
		// Test versions (below zero) do not count.
		err = tx.Model(&WorkflowVersion{}).Where("workflow_id = ? AND version > 0", w.ID).
			Select("COALESCE(MAX(version), 0)").Scan(&latest).Error
		if err != nil {
			return fmt.Errorf("find latest version: %w", err)
		}
		starts := a.StartsWorkflows
		if starts == nil {
			starts = []string{}
		}
		version = WorkflowVersion{
			ID:              NewID(),
			WorkspaceID:     workspaceID,
			WorkflowID:      w.ID,
			Version:         latest + 1,
			Definition:      JSONDocument(a.Document),
			Hash:            hash,
			StartsWorkflows: starts,
			PublishedBy:     a.Actor,
			PublishedAt:     tx.NowFunc(),
		}
		if err := tx.Create(&version).Error; err != nil {
			return fmt.Errorf("freeze version %d: %w", version.Version, err)
		}
		return setColumns(tx, w, map[string]any{
			"status":            WorkflowActive,
			"active_version_id": version.ID,
			"active_version":    version.Version,
			"trigger_type":      a.TriggerType,
			"line_account_id":   account,
			"last_published_by": a.Actor,
			"last_published_at": version.PublishedAt,
		})
	})
	if err != nil {
		return Workflow{}, WorkflowVersion{}, err
	}
	return w, version, nil
}

// Pause stops new enrollments in an active workflow; runs in flight go on.
func (s *Store) Pause(ctx context.Context, workspaceID, id string) (Workflow, error) {
	return s.changeWorkflow(ctx, workspaceID, id, ActionPause, func(tx *gorm.DB, w *Workflow) error {
		return setColumns(tx, w, map[string]any{"status": WorkflowPaused})
	})
}

// Stop stops new enrollments in an active or paused workflow and returns it, stopped.
// Ejecting the friends enrolled is not the Store's job: the caller hands the returned
// workflow to the interpreter's ejection hook, which ends every running execution of it
// (they are found by workflow ID; the Temporal workflow IDs are in the executions).
// Stopping first means no new run starts while the ejection goes on.
//
// Stopping a stopped workflow changes nothing and returns it, so that a caller whose
// ejection failed (Temporal was down) can stop again to retry the ejection.
func (s *Store) Stop(ctx context.Context, workspaceID, id string) (Workflow, error) {
	return s.changeWorkflow(ctx, workspaceID, id, ActionStop, func(tx *gorm.DB, w *Workflow) error {
		if w.Status == WorkflowStopped {
			return nil
		}
		return setColumns(tx, w, map[string]any{"status": WorkflowStopped})
	})
}

// Archive makes a draft or stopped workflow a read-only record. It no longer counts
// toward the workspace's limit, and its name is free for another workflow.
func (s *Store) Archive(ctx context.Context, workspaceID, id string) (Workflow, error) {
	return s.changeWorkflow(ctx, workspaceID, id, ActionArchive, func(tx *gorm.DB, w *Workflow) error {
		return setColumns(tx, w, map[string]any{"status": WorkflowArchived, "archived_at": tx.NowFunc()})
	})
}
