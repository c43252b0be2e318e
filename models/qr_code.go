package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// QRCodeInput is a QR code as the caller has it.
type QRCodeInput struct {
	// Name is required.
	Name string
	// LineAccountID is required and must name one of the workspace's LINE accounts: the
	// one the code adds friends to.
	LineAccountID string
	// WorkflowID, when set, must name one of the workspace's workflows.
	WorkflowID *string
	Campaign   string
}

var (
	errUnknownQRCodeAccount  = &FieldError{Field: "lineAccountId", Message: "names no LINE account of the workspace"}
	errUnknownQRCodeWorkflow = &FieldError{Field: "workflowId", Message: "names no workflow of the workspace"}
)

func (in QRCodeInput) check() error {
	if in.Name == "" || in.LineAccountID == "" {
		return fmt.Errorf("models: a QR code needs a name and a LINE account: %w", ErrInvalidInput)
	}
	return nil
}

// checkQRCodeRefs refuses a LINE account or workflow the workspace does not have.
func checkQRCodeRefs(tx *gorm.DB, workspaceID string, in QRCodeInput) error {
	if err := rowExists(tx, "line_accounts", workspaceID, in.LineAccountID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errUnknownQRCodeAccount
		}
		return err
	}
	if in.WorkflowID != nil {
		if err := rowExists(tx, "workflows", workspaceID, *in.WorkflowID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return errUnknownQRCodeWorkflow
			}
			return err
		}
	}
	return nil
}

// CreateQRCode saves a new QR code. A LINE account or workflow the workspace does not
// have is a *FieldError on "lineAccountId" or "workflowId".
func (s *Store) CreateQRCode(ctx context.Context, workspaceID string, in QRCodeInput) (QRCode, error) {
	if err := in.check(); err != nil {
		return QRCode{}, err
	}
	code := QRCode{
		ID:            NewID(),
		WorkspaceID:   workspaceID,
		LineAccountID: in.LineAccountID,
		Name:          in.Name,
		WorkflowID:    in.WorkflowID,
		Campaign:      in.Campaign,
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkQRCodeRefs(tx, workspaceID, in); err != nil {
			return err
		}
		return tx.Create(&code).Error
	})
	if err != nil {
		return QRCode{}, wrapUnlessTyped("create QR code", err)
	}
	return code, nil
}

// GetQRCode returns one of the workspace's QR codes.
func (s *Store) GetQRCode(ctx context.Context, workspaceID, id string) (QRCode, error) {
	var code QRCode
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&code).Error
	return code, notFound(err)
}

// ListQRCodes lists the workspace's QR codes, newest first.
func (s *Store) ListQRCodes(ctx context.Context, workspaceID string, page Page) ([]QRCode, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(c QRCode) string { return c.ID })
}

// UpdateQRCode replaces a QR code's name, LINE account, workflow and campaign. Its scan
// count and the scans recorded so far stay as they are.
func (s *Store) UpdateQRCode(ctx context.Context, workspaceID, id string, in QRCodeInput) (QRCode, error) {
	if err := in.check(); err != nil {
		return QRCode{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkQRCodeRefs(tx, workspaceID, in); err != nil {
			return err
		}
		res := tx.Model(&QRCode{}).
			Where("workspace_id = ? AND id = ?", workspaceID, id).
			Updates(map[string]any{
				"name":            in.Name,
				"line_account_id": in.LineAccountID,
				"workflow_id":     in.WorkflowID,
				"campaign":        in.Campaign,
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
	if err != nil {
		return QRCode{}, wrapUnlessTyped("update QR code", err)
	}
	return s.GetQRCode(ctx, workspaceID, id)
}

// DeleteQRCode deletes a QR code and its scans. Whether a workflow's trigger names it is
// the caller's question (LiveDefinitions): the Store does not read definitions.
func (s *Store) DeleteQRCode(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&QRCode{})
	if res.Error != nil {
		return fmt.Errorf("delete QR code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// nullIfEmpty makes a pointer to "" nil, for nullable text columns.
func nullIfEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
