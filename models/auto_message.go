package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/database"
)

// AutoMessageInput is an auto message as the caller has it. The Store never parses
// messages (package definition does: definition.ParseMessages); it keeps what it is given.
type AutoMessageInput struct {
	// Name is required and unique in the workspace (case-sensitive).
	Name string
	// LineAccountID, when set, must name one of the workspace's LINE accounts.
	LineAccountID *string
	// Messages is the JSON array of messages, already checked.
	Messages []byte
}

// errAutoMessageNameTaken is the conflict of a name another auto message has.
func errAutoMessageNameTaken(name string) *ConflictError {
	return &ConflictError{Field: "name", Message: fmt.Sprintf("an auto message named %q already exists in the workspace", name)}
}

// errUnknownAutoMessageAccount refuses a LINE account of another workspace, or none.
var errUnknownAutoMessageAccount = &FieldError{Field: "lineAccountId", Message: "names no LINE account of the workspace"}

func (in AutoMessageInput) check() error {
	if in.Name == "" {
		return fmt.Errorf("models: an auto message needs a name: %w", ErrInvalidInput)
	}
	return checkJSON("messages", in.Messages)
}

// CreateAutoMessage saves a new auto message. A name the workspace uses already is a
// *ConflictError on "name"; a LINE account it does not have is a *FieldError on
// "lineAccountId".
func (s *Store) CreateAutoMessage(ctx context.Context, workspaceID string, in AutoMessageInput) (AutoMessage, error) {
	if err := in.check(); err != nil {
		return AutoMessage{}, err
	}
	m := AutoMessage{
		ID:            NewID(),
		WorkspaceID:   workspaceID,
		LineAccountID: in.LineAccountID,
		Name:          in.Name,
		Messages:      JSONDocument(in.Messages),
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkAutoMessageAccount(tx, workspaceID, in.LineAccountID); err != nil {
			return err
		}
		return tx.Create(&m).Error
	})
	if database.IsUniqueViolation(err) {
		return AutoMessage{}, errAutoMessageNameTaken(in.Name)
	}
	if err != nil {
		return AutoMessage{}, wrapUnlessTyped("create auto message", err)
	}
	return m, nil
}

// GetAutoMessage returns one of the workspace's auto messages.
func (s *Store) GetAutoMessage(ctx context.Context, workspaceID, id string) (AutoMessage, error) {
	var m AutoMessage
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&m).Error
	return m, notFound(err)
}

// ListAutoMessages lists the workspace's auto messages, newest first.
func (s *Store) ListAutoMessages(ctx context.Context, workspaceID string, page Page) ([]AutoMessage, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(m AutoMessage) string { return m.ID })
}

// UpdateAutoMessage replaces an auto message's name, LINE account and messages. Runs
// read an auto message when they send it, so the change reaches every later send.
func (s *Store) UpdateAutoMessage(ctx context.Context, workspaceID, id string, in AutoMessageInput) (AutoMessage, error) {
	if err := in.check(); err != nil {
		return AutoMessage{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkAutoMessageAccount(tx, workspaceID, in.LineAccountID); err != nil {
			return err
		}
		res := tx.Model(&AutoMessage{}).
			Where("workspace_id = ? AND id = ?", workspaceID, id).
			Updates(map[string]any{
				"name":            in.Name,
				"line_account_id": in.LineAccountID,
				"messages":        JSONDocument(in.Messages),
				"updated_at":      time.Now().UTC(),
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if database.IsUniqueViolation(err) {
		return AutoMessage{}, errAutoMessageNameTaken(in.Name)
	}
	if err != nil {
		return AutoMessage{}, wrapUnlessTyped("update auto message", err)
	}
	return s.GetAutoMessage(ctx, workspaceID, id)
}

// DeleteAutoMessage deletes an auto message. Whether a workflow still sends it is the
// caller's question (LiveDefinitions): the Store does not read definitions.
func (s *Store) DeleteAutoMessage(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&AutoMessage{})
	if res.Error != nil {
		return fmt.Errorf("delete auto message: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

func checkAutoMessageAccount(tx *gorm.DB, workspaceID string, id *string) error {
	if id == nil {
		return nil
	}
	account, err := workspaceLineAccount(tx, workspaceID, id)
	if err != nil {
		return err
	}
	if account == nil {
		return errUnknownAutoMessageAccount
	}
	return nil
}

// wrapUnlessTyped adds op to err, except to the Store's own errors, which callers
// compare and the API maps to statuses as they are.
func wrapUnlessTyped(op string, err error) error {
	var field *FieldError
	if errors.As(err, &field) || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// LiveDefinition is the definition a live workflow's runs start on.
type LiveDefinition struct {
	WorkflowID string
	Name       string
	Status     WorkflowStatus
	// Definition is the active version's, byte for byte as activated.
	Definition JSONDocument
}

// LiveDefinitions returns the active version of each of the workspace's active and
// paused workflows: the definitions new and running enrollments follow, which a caller
// checks before deleting an object they may refer to.
func (s *Store) LiveDefinitions(ctx context.Context, workspaceID string) ([]LiveDefinition, error) {
	var rows []LiveDefinition
	err := s.db.WithContext(ctx).Raw(`
		SELECT w.id AS workflow_id, w.name, w.status, v.definition
		FROM workflows w JOIN workflow_versions v ON v.id = w.active_version_id
		WHERE w.workspace_id = ? AND w.status IN (?, ?)
		ORDER BY w.id`,
		workspaceID, WorkflowActive, WorkflowPaused).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read live definitions: %w", err)
	}
	return rows, nil
}
