package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/database"
)

// QRScan is one visit of a QR code's scan link. LINE's events never say how a person
// found the account, so a scan is credited to a friend by a claim: either the friend
// sends back the scan's one-time code through LINE (ClaimScanCode, which proves the
// friend saw this scan's redirect), or, failing that, the friend's follow comes right
// after the only unclaimed scan of the account (ClaimScan, an inference).
type QRScan struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID string `gorm:"not null"`
	QRCodeID      string `gorm:"column:qr_code_id;not null"`
	// Code is the one-time code the scan's redirect carries (nil on scans recorded
	// before scans had codes).
	Code *string
	// ClientAddr is the address the link was opened from, as the API saw it: it bounds
	// how many unclaimed scans one client can leave (MaxPendingScansPerClient).
	ClientAddr string    `gorm:"not null;default:''"`
	ScannedAt  time.Time `gorm:"not null"`
	// ClaimedByFriendID may go back to nil when the friend is deleted; ClaimedAt stays.
	ClaimedByFriendID *string
	ClaimedAt         *time.Time
	// ClaimedVia is how the scan was claimed: ClaimedViaCode or ClaimedViaFollow.
	ClaimedVia *string
}

// How a scan was claimed.
const (
	// ClaimedViaCode: the friend sent the scan's code; the friend saw its redirect.
	ClaimedViaCode = "code"
	// ClaimedViaFollow: the friend followed right after the account's only unclaimed
	// scan; likely, not proven.
	ClaimedViaFollow = "follow"
)

const (
	// ScanCodeLife is how long a scan stays claimable by its code. Unclaimed scans
	// older than this are pruned (PruneQRScans): nothing can claim them any more.
	ScanCodeLife = time.Hour
	// MaxPendingScansPerClient bounds the unclaimed scans one client address leaves on
	// an account: a further scan drops the client's oldest. It is more than one so that
	// people sharing an address (a carrier's NAT) each keep a working code, and so that
	// a client scanning again and again stays visible as more than one scan, which
	// ClaimScan never credits to a follow.
	MaxPendingScansPerClient = 3
	// DefaultFollowClaimWindow is how long before a follow the account's only unclaimed
	// scan may be, for the follow to claim it, when no other window is set.
	DefaultFollowClaimWindow = 3 * time.Minute
	// maxClientAddrLength bounds the stored client address (it may come from a header).
	maxClientAddrLength = 64
	// codeAttempts is how many fresh codes a scan tries when its code is taken.
	codeAttempts = 3
)

// A scan code is 8 characters of an alphabet without 0/O and 1/I (40 random bits), and
// travels in the message text as "[QR <code>]".
const (
	scanCodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	scanCodeLength   = 8
	scanCodeOpen     = "[QR "
	scanCodeClose    = ']'
)

// newScanCode returns a fresh random scan code.
func newScanCode() string {
	var b [scanCodeLength]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	for i := range b {
		// 256 is a multiple of the alphabet's 32 letters: every letter equally likely.
		b[i] = scanCodeAlphabet[int(b[i])%len(scanCodeAlphabet)]
	}
	return string(b[:])
}

// ScanMessage is the text a scan's redirect asks LINE to put in the chat's input box:
// sending it sends the code back.
func ScanMessage(code string) string {
	return "Hello! " + scanCodeOpen + code + string(scanCodeClose)
}

// ScanCodeIn finds a scan code in a message's text: the first "[QR <code>]" in it,
// wherever the friend left it.
func ScanCodeIn(text string) (string, bool) {
	rest := text
	for {
		i := strings.Index(rest, scanCodeOpen)
		if i < 0 {
			return "", false
		}
		rest = rest[i+len(scanCodeOpen):]
		if len(rest) > scanCodeLength && rest[scanCodeLength] == scanCodeClose && isScanCode(rest[:scanCodeLength]) {
			return rest[:scanCodeLength], true
		}
	}
}

func isScanCode(s string) bool {
	if len(s) != scanCodeLength {
		return false
	}
	for i := range len(s) {
		if strings.IndexByte(scanCodeAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// ScannedQRCode is what a scan needs to send the person on: the code, after the scan was
// counted, its LINE account's basic ID (nil when unknown) and the scan's one-time code.
type ScannedQRCode struct {
	QRCode   QRCode
	BasicID  *string
	ScanCode string
}

// RecordQRScan counts a visit of the QR code id's scan link from the client address,
// whichever workspace the code belongs to (the link is public, and the ID is all it
// carries), and keeps the scan, with a fresh one-time code, for ClaimScanCode and
// ClaimScan. The client keeps at most MaxPendingScansPerClient unclaimed scans on the
// account: older ones go. An unknown code is ErrNotFound.
func (s *Store) RecordQRScan(ctx context.Context, id, client string, at time.Time) (ScannedQRCode, error) {
	if len(client) > maxClientAddrLength {
		client = client[:maxClientAddrLength]
	}
	at = at.UTC().Truncate(time.Microsecond)
	for attempt := 1; ; attempt++ {
		scanned, err := s.recordQRScan(ctx, id, client, at, newScanCode())
		if database.IsUniqueViolation(err) && attempt < codeAttempts {
			continue // the account has the code already (about 1 in 10^12): draw another
		}
		if err != nil {
			return ScannedQRCode{}, wrapUnlessTyped("record QR scan", err)
		}
		return scanned, nil
	}
}

func (s *Store) recordQRScan(ctx context.Context, id, client string, at time.Time, code string) (ScannedQRCode, error) {
	scanned := ScannedQRCode{ScanCode: code}
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
		err := tx.Create(&QRScan{
			ID:            NewID(),
			WorkspaceID:   scanned.QRCode.WorkspaceID,
			LineAccountID: scanned.QRCode.LineAccountID,
			QRCodeID:      id,
			Code:          &code,
			ClientAddr:    client,
			ScannedAt:     at,
		}).Error
		if err != nil {
			return err
		}
		return dropClientsOldScans(tx, scanned.QRCode.LineAccountID, client)
	})
	return scanned, err
}

// dropClientsOldScans keeps the client's newest MaxPendingScansPerClient unclaimed scans
// on the account and deletes the rest, so one client's repeated visits cannot grow the
// table.
func dropClientsOldScans(tx *gorm.DB, lineAccountID, client string) error {
	pending := tx.Model(&QRScan{}).Where("line_account_id = ? AND client_addr = ? AND claimed_at IS NULL", lineAccountID, client)
	var keep []string
	if err := pending.Session(&gorm.Session{}).Order("scanned_at DESC, id DESC").Limit(MaxPendingScansPerClient).Pluck("id", &keep).Error; err != nil {
		return err
	}
	return pending.Session(&gorm.Session{}).Where("id NOT IN ?", keep).Delete(&QRScan{}).Error
}

// ClaimScanCode credits the friend with the scan whose one-time code their message
// carried, if the code is the account's and still live: unclaimed and made at most
// ScanCodeLife before at. It returns the scanned QR code and ok=true for the claim it
// made, and again for the same claim repeated (the same friend and at: a retried call);
// any other use of a code (unknown, expired, claimed before, by anyone) is ok=false and
// changes nothing.
func (s *Store) ClaimScanCode(ctx context.Context, workspaceID, lineAccountID, friendID, code string, at time.Time) (QRCode, bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	db := s.db.WithContext(ctx)
	var scan QRScan
	err := db.Where("workspace_id = ? AND line_account_id = ? AND code = ?", workspaceID, lineAccountID, code).Take(&scan).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return QRCode{}, false, nil
	}
	if err != nil {
		return QRCode{}, false, fmt.Errorf("find the QR scan of a code: %w", err)
	}
	switch {
	case scan.ClaimedAt == nil:
		if scan.ScannedAt.Before(at.Add(-ScanCodeLife)) {
			return QRCode{}, false, nil
		}
		res := db.Model(&QRScan{}).Where("id = ? AND claimed_at IS NULL", scan.ID).
			Updates(map[string]any{"claimed_by_friend_id": friendID, "claimed_at": at, "claimed_via": ClaimedViaCode})
		if res.Error != nil {
			return QRCode{}, false, fmt.Errorf("claim QR scan %s: %w", scan.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return QRCode{}, false, nil // claimed a moment ago by a follow
		}
	case scan.ClaimedByFriendID != nil && *scan.ClaimedByFriendID == friendID && scan.ClaimedAt.Equal(at) &&
		scan.ClaimedVia != nil && *scan.ClaimedVia == ClaimedViaCode:
		// This very claim, asked again.
	default:
		return QRCode{}, false, nil
	}
	qr, err := s.GetQRCode(ctx, workspaceID, scan.QRCodeID)
	if err != nil {
		return QRCode{}, false, fmt.Errorf("read claimed QR code %s: %w", scan.QRCodeID, err)
	}
	return qr, true, nil
}

// ClaimScan credits a friend who just followed the LINE account (at) with a scan of the
// account's QR codes, when nothing else can have caused the follow: exactly one
// unclaimed scan of the account was made within window before at (edges included). Two
// or more (two people, or one client scanning repeatedly, or a flood) claim nothing, and
// neither does a window of zero. It returns the scanned code, and ok=false when no scan
// is credited; the same friend claiming again at the same at (a retry) gets the scan it
// claimed before. One scan and two follows in the window: the first follow takes it.
func (s *Store) ClaimScan(ctx context.Context, workspaceID, lineAccountID, friendID string, at time.Time, window time.Duration) (QRCode, bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	db := s.db.WithContext(ctx)
	var mine QRScan
	err := db.Where("workspace_id = ? AND line_account_id = ? AND claimed_by_friend_id = ? AND claimed_at = ? AND claimed_via = ?",
		workspaceID, lineAccountID, friendID, at, ClaimedViaFollow).Take(&mine).Error
	if err == nil {
		code, err := s.GetQRCode(ctx, workspaceID, mine.QRCodeID)
		return code, err == nil, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return QRCode{}, false, fmt.Errorf("find the friend's QR scan: %w", err)
	}
	if window <= 0 {
		return QRCode{}, false, nil
	}
	var pending []QRScan
	err = db.Where("workspace_id = ? AND line_account_id = ? AND claimed_at IS NULL AND scanned_at >= ? AND scanned_at <= ?",
		workspaceID, lineAccountID, at.Add(-window), at).
		Limit(2).Find(&pending).Error
	if err != nil {
		return QRCode{}, false, fmt.Errorf("find a QR scan to claim: %w", err)
	}
	if len(pending) != 1 {
		return QRCode{}, false, nil
	}
	scan := pending[0]
	res := db.Model(&QRScan{}).Where("id = ? AND claimed_at IS NULL", scan.ID).
		Updates(map[string]any{"claimed_by_friend_id": friendID, "claimed_at": at, "claimed_via": ClaimedViaFollow})
	if res.Error != nil {
		return QRCode{}, false, fmt.Errorf("claim QR scan %s: %w", scan.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return QRCode{}, false, nil // another follow, or the scan's code, took it first
	}
	code, err := s.GetQRCode(ctx, workspaceID, scan.QRCodeID)
	if err != nil {
		return QRCode{}, false, fmt.Errorf("read claimed QR code %s: %w", scan.QRCodeID, err)
	}
	return code, true, nil
}

// PruneQRScans deletes at most limit unclaimed scans made before before, oldest first,
// and returns how many went. Claimed scans stay: they are the record of who came by
// which code. It spans workspaces: it is housekeeping.
func (s *Store) PruneQRScans(ctx context.Context, before time.Time, limit int) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`
		DELETE FROM qr_scans
		WHERE id IN (
			SELECT id FROM qr_scans
			WHERE claimed_at IS NULL AND scanned_at < ? ORDER BY scanned_at LIMIT ?)`, before.UTC(), limit)
	return res.RowsAffected, res.Error
}
