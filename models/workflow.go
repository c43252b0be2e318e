package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lumoworkflows/lumo/database"
)

// WorkflowStatus is where a workflow is in its lifecycle; workflow_lifecycle.go has the
// actions that move it from one status to another.
type WorkflowStatus string

const (
	WorkflowDraft    WorkflowStatus = "draft"
	WorkflowActive   WorkflowStatus = "active"
	WorkflowPaused   WorkflowStatus = "paused"
	WorkflowStopped  WorkflowStatus = "stopped"
	WorkflowArchived WorkflowStatus = "archived"
)

// Valid tells whether s is one of the statuses above.
func (s WorkflowStatus) Valid() bool {
	switch s {
	case WorkflowDraft, WorkflowActive, WorkflowPaused, WorkflowStopped, WorkflowArchived:
		return true
	}
	return false
}

// Workflow is a marketer's automation: a draft definition that is edited freely, and the
// versions frozen from it on each activation.
type Workflow struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	// LineAccountID and TriggerType are the active version's, so that a webhook finds the
	// workflows its event starts with one indexed query; editing the draft leaves them
	// alone. Until the first activation they are the draft's, for lists.
	LineAccountID *string
	TriggerType   string `gorm:"not null;default:''"`
	// Name is unique among the workspace's workflows that are not archived
	// (case-sensitive); it and Description are the draft's.
	Name        string         `gorm:"not null"`
	Description string         `gorm:"not null;default:''"`
	Status      WorkflowStatus `gorm:"not null"`
	// Draft is the definition as last saved, byte for byte; it may be invalid.
	// ListWorkflows leaves it empty.
	Draft JSONDocument `gorm:"not null"`
	// ActiveVersionID and ActiveVersion name the version new enrollments run: the latest
	// activated. They stay set when the workflow is paused, stopped or archived, and are
	// nil and 0 until the first activation.
	ActiveVersionID *string
	ActiveVersion   int       `gorm:"not null;default:0"`
	CreatedBy       string    `gorm:"not null;default:''"`
	CreatedAt       time.Time `gorm:"not null"`
	UpdatedAt       time.Time `gorm:"not null"`
	LastPublishedBy string    `gorm:"not null;default:''"`
	LastPublishedAt *time.Time
	ArchivedAt      *time.Time
}

// WorkflowInput is a draft as the caller has it: the definition document, kept verbatim,
// and the metadata the caller read out of it. The Store never parses definitions (that is
// package definition's job); it stores what it is given.
type WorkflowInput struct {
	// Name is required; it must be free among the workspace's live workflows.
	Name          string
	Description   string
	LineAccountID *string
	TriggerType   string
	// Document is the draft definition as the caller sent it; it must be JSON.
	Document []byte
}

// DefaultWorkflowLimit is how many workflows, archived ones aside, a workspace may hold
// when the caller gives no limit.
const DefaultWorkflowLimit = 100

// LimitError refuses a new workflow in a workspace that holds Limit workflows already
// (archived ones do not count). It matches ErrConflict with errors.Is: the request is
// fine, the workspace is full.
type LimitError struct {
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the workspace already has %d workflows, the most it may have; archive or delete one first", e.Limit)
}

// Is makes errors.Is(err, ErrConflict) hold for a LimitError.
func (e *LimitError) Is(target error) bool { return target == ErrConflict }

// ErrBadStatus means a workflow status filter that is not a valid WorkflowStatus.
var ErrBadStatus = errors.New("unknown workflow status")

// ErrUnknownLineAccount means an activation names a LINE account the workspace does not
// have. Validating the definition reports it first; the Store checks again so that no
// workflow is ever routed another workspace's events.
var ErrUnknownLineAccount = errors.New("lineAccountId names no LINE account of the workspace")

// errNameTaken is the conflict of a name already used by a live workflow.
func errNameTaken(name string) *ConflictError {
	return &ConflictError{Field: "name", Message: fmt.Sprintf("a workflow named %q already exists in the workspace", name)}
}

func (in WorkflowInput) check() error {
	if in.Name == "" {
		return errors.New("models: a workflow needs a name")
	}
	return checkJSON("draft", in.Document)
}

func checkJSON(what string, doc []byte) error {
	if !json.Valid(doc) {
		return fmt.Errorf("models: the %s document is not JSON", what)
	}
	return nil
}

// CreateWorkflow saves a new draft made by actor. limit is how many workflows (archived
// ones aside) the workspace may hold, DefaultWorkflowLimit when 0: past it the error is
// a *LimitError. A name a live workflow has already is a *ConflictError on "name".
// A LineAccountID that is not one of the workspace's accounts is kept in the document
// only (drafts may be invalid).
func (s *Store) CreateWorkflow(ctx context.Context, workspaceID string, in WorkflowInput, actor string, limit int) (Workflow, error) {
	if err := in.check(); err != nil {
		return Workflow{}, err
	}
	var w Workflow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := reserveWorkflowSlot(tx, workspaceID, limit); err != nil {
			return err
		}
		var err error
		w, err = insertDraft(tx, workspaceID, in, actor)
		return err
	})
	return w, err
}

// reserveWorkflowSlot locks the workspace row for the rest of tx, so that concurrent
// creations count one after the other, and refuses when the workspace is full.
func reserveWorkflowSlot(tx *gorm.DB, workspaceID string, limit int) error {
	if limit <= 0 {
		limit = DefaultWorkflowLimit
	}
	var ws Workspace
	if err := tx.Clauses(lockRow()).Where("id = ?", workspaceID).Take(&ws).Error; err != nil {
		return notFound(err)
	}
	var live int64
	err := tx.Model(&Workflow{}).
		Where("workspace_id = ? AND status <> ?", workspaceID, WorkflowArchived).
		Count(&live).Error
	if err != nil {
		return fmt.Errorf("count workflows: %w", err)
	}
	if live >= int64(limit) {
		return &LimitError{Limit: limit}
	}
	return nil
}

func insertDraft(tx *gorm.DB, workspaceID string, in WorkflowInput, actor string) (Workflow, error) {
	account, err := workspaceLineAccount(tx, workspaceID, in.LineAccountID)
	if err != nil {
		return Workflow{}, err
	}
	w := Workflow{
		ID:            NewID(),
		WorkspaceID:   workspaceID,
		LineAccountID: account,
		TriggerType:   in.TriggerType,
		Name:          in.Name,
		Description:   in.Description,
		Status:        WorkflowDraft,
		Draft:         JSONDocument(in.Document),
		CreatedBy:     actor,
	}
	err = tx.Create(&w).Error
	if database.IsUniqueViolation(err) {
		return Workflow{}, errNameTaken(in.Name)
	}
	if err != nil {
		return Workflow{}, fmt.Errorf("create workflow: %w", err)
	}
	return w, nil
}

// workspaceLineAccount returns id when it names one of the workspace's LINE accounts,
// else nil.
func workspaceLineAccount(tx *gorm.DB, workspaceID string, id *string) (*string, error) {
	if id == nil || *id == "" {
		return nil, nil
	}
	var n int64
	err := tx.Model(&LineAccount{}).Where("workspace_id = ? AND id = ?", workspaceID, *id).Count(&n).Error
	if err != nil {
		return nil, fmt.Errorf("find line account: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	account := *id
	return &account, nil
}

// GetWorkflow returns one of the workspace's workflows with its draft.
func (s *Store) GetWorkflow(ctx context.Context, workspaceID, id string) (Workflow, error) {
	return getWorkflow(s.db.WithContext(ctx), workspaceID, id)
}

func getWorkflow(tx *gorm.DB, workspaceID, id string) (Workflow, error) {
	var w Workflow
	err := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&w).Error
	return w, notFound(err)
}

// WorkflowFilter narrows ListWorkflows; its zero value lists every workflow.
type WorkflowFilter struct {
	// Status, when set, keeps the workflows in that status; one that is not a
	// WorkflowStatus is ErrBadStatus.
	Status WorkflowStatus
}

// ListWorkflows lists the workspace's workflows, newest first. The rows come without
// their Draft (up to 400 KB each): GetWorkflow has it.
func (s *Store) ListWorkflows(ctx context.Context, workspaceID string, filter WorkflowFilter, page Page) ([]Workflow, string, error) {
	q := s.db.WithContext(ctx).Omit("draft").Where("workspace_id = ?", workspaceID)
	if filter.Status != "" {
		if !filter.Status.Valid() {
			return nil, "", ErrBadStatus
		}
		q = q.Where("status = ?", filter.Status)
	}
	return listPage(q, page, func(w Workflow) string { return w.ID })
}

// UpdateDraft replaces the draft of a workflow that is not archived (archived is a
// *TransitionError for ActionEdit). Runs and the active version are untouched: on a
// workflow that was ever activated, the draft's LINE account and trigger wait for the
// next activation. A name another live workflow has is a *ConflictError on "name".
func (s *Store) UpdateDraft(ctx context.Context, workspaceID, id string, in WorkflowInput) (Workflow, error) {
	if err := in.check(); err != nil {
		return Workflow{}, err
	}
	return s.changeWorkflow(ctx, workspaceID, id, ActionEdit, func(tx *gorm.DB, w *Workflow) error {
		changes := map[string]any{
			"name":        in.Name,
			"description": in.Description,
			"draft":       JSONDocument(in.Document),
		}
		if w.ActiveVersionID == nil {
			account, err := workspaceLineAccount(tx, workspaceID, in.LineAccountID)
			if err != nil {
				return err
			}
			changes["line_account_id"] = account
			changes["trigger_type"] = in.TriggerType
		}
		err := setColumns(tx, w, changes)
		if database.IsUniqueViolation(err) {
			return errNameTaken(in.Name)
		}
		return err
	})
}

// DeleteWorkflow deletes a workflow that is a draft, stopped or archived, with its
// versions and their runs; an active or paused one is a *TransitionError for
// ActionDelete (stop it first, which ejects its runs).
func (s *Store) DeleteWorkflow(ctx context.Context, workspaceID, id string) error {
	_, err := s.changeWorkflow(ctx, workspaceID, id, ActionDelete, func(tx *gorm.DB, w *Workflow) error {
		// Versions, executions and their steps go with it (ON DELETE CASCADE).
		if err := tx.Where("id = ?", w.ID).Delete(&Workflow{}).Error; err != nil {
			return fmt.Errorf("delete workflow: %w", err)
		}
		return nil
	})
	return err
}

// lockRow locks the rows a query reads until the transaction ends, against other writers
// of the same rows; rows that merely reference them (a new version, a run) stay free to
// be inserted. SQLite has no row locks and needs none: its transactions take the one
// write lock at BEGIN (see database.Open).
func lockRow() clause.Locking { return clause.Locking{Strength: "NO KEY UPDATE"} }

// lockWorkflow reads one of the workspace's workflows and locks it for the rest of tx.
func lockWorkflow(tx *gorm.DB, workspaceID, id string) (Workflow, error) {
	return getWorkflow(tx.Clauses(lockRow()), workspaceID, id)
}

// setColumns writes changes (and updated_at) to w's row and reads w back.
func setColumns(tx *gorm.DB, w *Workflow, changes map[string]any) error {
	changes["updated_at"] = tx.NowFunc()
	if err := tx.Model(&Workflow{}).Where("id = ?", w.ID).Updates(changes).Error; err != nil {
		return fmt.Errorf("update workflow: %w", err)
	}
	if err := tx.Where("id = ?", w.ID).Take(w).Error; err != nil {
		return fmt.Errorf("read workflow back: %w", err)
	}
	return nil
}
