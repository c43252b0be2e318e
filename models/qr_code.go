package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// QRScan is one scan of a QR code: a person opened its link and was sent on to the
// account's add-friend page. The follow that (probably) comes of it claims the scan, which
// is how a new friend is credited to a code: LINE's follow event does not say how the
// person found the account.
type QRScan struct {
	ID                string    `gorm:"primaryKey"`
	WorkspaceID       string    `gorm:"not null"`
	LineAccountID     string    `gorm:"not null"`
	QRCodeID          string    `gorm:"column:qr_code_id;not null"`
	ScannedAt         time.Time `gorm:"not null"`
	ClaimedByFriendID *string
	ClaimedAt         *time.Time
}

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

// ScannedQRCode is what a scan needs to send the person on: the code, after the scan was
// counted, and its LINE account's basic ID (nil when unknown).
type ScannedQRCode struct {
	QRCode  QRCode
	BasicID *string
}

// RecordQRScan counts a scan of the QR code id, whichever workspace it belongs to (the
// scan link is public, and the ID is all it carries), and keeps the scan for ClaimScan.
// An unknown code is ErrNotFound.
func (s *Store) RecordQRScan(ctx context.Context, id string, at time.Time) (ScannedQRCode, error) {
	var scanned ScannedQRCode
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The increment first: it takes the row's lock, so the read below sees this scan
		// and every one before it.
		res := tx.Model(&QRCode{}).Where("id = ?", id).
			UpdateColumn("scan_count", gorm.Expr("scan_count + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Where("id = ?", id).Take(&scanned.QRCode).Error; err != nil {
			return err
		}
		var account LineAccount
		if err := tx.Select("basic_id").Where("id = ?", scanned.QRCode.LineAccountID).Take(&account).Error; err != nil {
			return err
		}
		scanned.BasicID = account.BasicID
		return tx.Create(&QRScan{
			ID:            NewID(),
			WorkspaceID:   scanned.QRCode.WorkspaceID,
			LineAccountID: scanned.QRCode.LineAccountID,
			QRCodeID:      id,
			ScannedAt:     at.UTC().Truncate(time.Microsecond),
		}).Error
	})
	if err != nil {
		return ScannedQRCode{}, wrapUnlessTyped("record QR scan", err)
	}
	return scanned, nil
}

// ClaimScan credits a friend who just added the LINE account to the oldest scan of the
// account's QR codes that no one has claimed and that was made within window before at
// (at - window and at themselves included). It returns the scanned code, and ok=false
// when there is no such scan. Each scan is claimed once: two friends arriving after two
// scans claim one each, however their calls interleave; the same friend claiming again
// at the same at (a retry) gets the scan it claimed before.
func (s *Store) ClaimScan(ctx context.Context, workspaceID, lineAccountID, friendID string, at time.Time, window time.Duration) (QRCode, bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	since := at.Add(-window)
	db := s.db.WithContext(ctx)
	// The same follow claiming again (a retried call) gets the scan it claimed.
	var mine QRScan
	err := db.Where("workspace_id = ? AND line_account_id = ? AND claimed_by_friend_id = ? AND claimed_at = ?",
		workspaceID, lineAccountID, friendID, at).Take(&mine).Error
	if err == nil {
		code, err := s.GetQRCode(ctx, workspaceID, mine.QRCodeID)
		return code, err == nil, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return QRCode{}, false, fmt.Errorf("find the friend's QR scan: %w", err)
	}
	for {
		var scan QRScan
		err := db.Where("workspace_id = ? AND line_account_id = ? AND claimed_at IS NULL AND scanned_at >= ? AND scanned_at <= ?",
			workspaceID, lineAccountID, since, at).
			Order("scanned_at, id").Take(&scan).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return QRCode{}, false, nil
		}
		if err != nil {
			return QRCode{}, false, fmt.Errorf("find a QR scan to claim: %w", err)
		}
		// Claimed only if still unclaimed: of two friends that found the same scan, one
		// updates it and the other, finding it claimed, looks for the next.
		res := db.Model(&QRScan{}).
			Where("id = ? AND claimed_at IS NULL", scan.ID).
			Updates(map[string]any{"claimed_by_friend_id": friendID, "claimed_at": at})
		if res.Error != nil {
			return QRCode{}, false, fmt.Errorf("claim QR scan %s: %w", scan.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		code, err := s.GetQRCode(ctx, workspaceID, scan.QRCodeID)
		if err != nil {
			return QRCode{}, false, fmt.Errorf("read claimed QR code %s: %w", scan.QRCodeID, err)
		}
		return code, true, nil
	}
}

// nullIfEmpty makes a pointer to "" nil, for nullable text columns.
func nullIfEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
