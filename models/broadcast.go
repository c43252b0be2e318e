package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// BroadcastBatchSize is how many recipients one batch holds: LINE's limit for one
// multicast request. Batch n is the recipients numbered n*BroadcastBatchSize up to the
// next batch's first, so a batch is the same people however often it is sent.
const BroadcastBatchSize = 500

// BroadcastStatus is how a broadcast stands.
type BroadcastStatus string

const (
	// BroadcastScheduled waits for its scheduledAt.
	BroadcastScheduled BroadcastStatus = "scheduled"
	// BroadcastRunning copies its recipients or sends to them.
	BroadcastRunning BroadcastStatus = "running"
	// BroadcastCompleted sent every batch.
	BroadcastCompleted BroadcastStatus = "completed"
	// BroadcastCancelled was cancelled; what it sent before stays sent.
	BroadcastCancelled BroadcastStatus = "cancelled"
	// BroadcastStopped was stopped by LINE's monthly quota; it keeps the remainder,
	// which a resume sends.
	BroadcastStopped BroadcastStatus = "stopped"
	// BroadcastFailed cannot go on (LINE refused its messages, its segment is gone).
	BroadcastFailed BroadcastStatus = "failed"
)

// Finished tells whether nothing more happens to a broadcast in this status without a
// request: stopped is not finished, as it may be resumed or cancelled.
func (s BroadcastStatus) Finished() bool {
	return s == BroadcastCompleted || s == BroadcastCancelled || s == BroadcastFailed
}

// Broadcast is messages sent to a segment's members on one LINE account.
type Broadcast struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID string `gorm:"not null"`
	SegmentID     string `gorm:"not null"`
	// SegmentDefinition is the segment's conditions as they were when the broadcast
	// started (JSON); empty before.
	SegmentDefinition JSONDocument
	AutoMessageID     *string
	// Messages are the LINE message objects every recipient gets (a JSON array).
	Messages    JSONDocument `gorm:"not null"`
	ScheduledAt *time.Time
	Status      BroadcastStatus `gorm:"not null"`
	StopReason  string          `gorm:"not null;default:''"`
	// Total counts the recipients copied so far: final once SnapshotDone. Sent and
	// Failed count the recipients of the batches LINE answered.
	Total         int    `gorm:"not null;default:0"`
	Sent          int    `gorm:"not null;default:0"`
	Failed        int    `gorm:"not null;default:0"`
	SnapshotAfter string `gorm:"not null;default:''"`
	SnapshotDone  bool   `gorm:"not null;default:false"`
	StartedAt     *time.Time
	FinishedAt    *time.Time
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
}

// Remaining counts the recipients not sent to yet, nor failed: with Sent and Failed it
// adds up to Total.
func (b Broadcast) Remaining() int { return b.Total - b.Sent - b.Failed }

// Batches is how many batches the recipients copied so far make.
func (b Broadcast) Batches() int {
	return (b.Total + BroadcastBatchSize - 1) / BroadcastBatchSize
}

// BroadcastRecipient is one friend a broadcast sends to, numbered from 0 (Seq).
type BroadcastRecipient struct {
	BroadcastID string `gorm:"primaryKey"`
	Seq         int    `gorm:"primaryKey"`
	FriendID    string `gorm:"not null"`
	LineUserID  string `gorm:"not null"`
}

// BroadcastBatch records that one batch is done with: Sent of its recipients LINE took,
// Failed it did not (it refused the batch, or a LINE user ID it cannot take).
type BroadcastBatch struct {
	BroadcastID string    `gorm:"primaryKey"`
	Batch       int       `gorm:"primaryKey"`
	Sent        int       `gorm:"not null"`
	Failed      int       `gorm:"not null"`
	RequestID   string    `gorm:"not null;default:''"`
	RecordedAt  time.Time `gorm:"not null"`
}

// BroadcastInput is a broadcast as the caller has checked it.
type BroadcastInput struct {
	LineAccountID string
	SegmentID     string
	AutoMessageID *string
	// Messages is the JSON array of LINE message objects to send, already rendered.
	Messages []byte
	// ScheduledAt, when set, is when the broadcast starts; nil means now.
	ScheduledAt *time.Time
}

// errUnknownBroadcastAccount refuses a LINE account of another workspace, or none.
var errUnknownBroadcastAccount = &FieldError{Field: "lineAccountId", Message: "names no LINE account of the workspace"}

// CreateBroadcast saves a new broadcast, scheduled when in.ScheduledAt is set and
// running otherwise. A LINE account the workspace does not have is a *FieldError on
// "lineAccountId". Whether the segment and the auto message exist is the caller's
// question: it read them to make the messages.
func (s *Store) CreateBroadcast(ctx context.Context, workspaceID string, in BroadcastInput) (Broadcast, error) {
	if err := checkJSON("messages", in.Messages); err != nil {
		return Broadcast{}, err
	}
	now := time.Now().UTC()
	b := Broadcast{
		ID:            NewID(),
		WorkspaceID:   workspaceID,
		LineAccountID: in.LineAccountID,
		SegmentID:     in.SegmentID,
		AutoMessageID: in.AutoMessageID,
		Messages:      JSONDocument(in.Messages),
		ScheduledAt:   in.ScheduledAt,
		Status:        BroadcastRunning,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if in.ScheduledAt != nil {
		at := in.ScheduledAt.UTC()
		b.ScheduledAt = &at
		b.Status = BroadcastScheduled
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		account, err := workspaceLineAccount(tx, workspaceID, &in.LineAccountID)
		if err != nil {
			return err
		}
		if account == nil {
			return errUnknownBroadcastAccount
		}
		return tx.Create(&b).Error
	})
	if err != nil {
		return Broadcast{}, wrapUnlessTyped("create broadcast", err)
	}
	return b, nil
}

// GetBroadcast returns one of the workspace's broadcasts.
func (s *Store) GetBroadcast(ctx context.Context, workspaceID, id string) (Broadcast, error) {
	var b Broadcast
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&b).Error
	return b, notFound(err)
}

// ListBroadcasts lists the workspace's broadcasts, newest first.
func (s *Store) ListBroadcasts(ctx context.Context, workspaceID string, page Page) ([]Broadcast, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(b Broadcast) string { return b.ID })
}

// DiscardBroadcast removes a broadcast whose workflow Temporal did not start, so that no
// row claims a broadcast that never ran.
func (s *Store) DiscardBroadcast(ctx context.Context, workspaceID, id string) error {
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&Broadcast{}).Error
	if err != nil {
		return fmt.Errorf("discard broadcast: %w", err)
	}
	return nil
}

// CancelBroadcast marks a scheduled, running or stopped broadcast cancelled, and returns
// it. The row is what the broadcast's workflow obeys: it sends no batch after it reads
// the cancellation, whether or not Temporal's cancel reaches it. A finished broadcast is
// a *ConflictError on "status".
func (s *Store) CancelBroadcast(ctx context.Context, workspaceID, id string) (Broadcast, error) {
	now := time.Now().UTC()
	return s.moveBroadcast(ctx, workspaceID, id,
		[]BroadcastStatus{BroadcastScheduled, BroadcastRunning, BroadcastStopped},
		map[string]any{"status": BroadcastCancelled, "finished_at": now, "updated_at": now},
		"the broadcast has ended (%s): there is nothing to cancel")
}

// ResumeBroadcast makes a stopped broadcast running again, for its workflow to send the
// batches it has not sent. Any other status is a *ConflictError on "status".
func (s *Store) ResumeBroadcast(ctx context.Context, workspaceID, id string) (Broadcast, error) {
	return s.moveBroadcast(ctx, workspaceID, id,
		[]BroadcastStatus{BroadcastStopped},
		map[string]any{"status": BroadcastRunning, "stop_reason": "", "finished_at": nil, "updated_at": time.Now().UTC()},
		"the broadcast is %s: only a stopped broadcast can be resumed")
}

// RestopBroadcast undoes ResumeBroadcast when the workflow that was to resume it could
// not be started: the broadcast is stopped again, for the same reason.
func (s *Store) RestopBroadcast(ctx context.Context, workspaceID, id, reason string) error {
	now := time.Now().UTC()
	err := s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("workspace_id = ? AND id = ? AND status = ?", workspaceID, id, BroadcastRunning).
		Updates(map[string]any{"status": BroadcastStopped, "stop_reason": reason, "finished_at": now, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("stop broadcast again: %w", err)
	}
	return nil
}

// moveBroadcast applies changes to the broadcast if its status is one of from, and
// returns the row; otherwise the row's status makes the conflict message (format's %s).
func (s *Store) moveBroadcast(ctx context.Context, workspaceID, id string, from []BroadcastStatus, changes map[string]any, format string) (Broadcast, error) {
	res := s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("workspace_id = ? AND id = ? AND status IN ?", workspaceID, id, from).
		Updates(changes)
	if res.Error != nil {
		return Broadcast{}, fmt.Errorf("update broadcast: %w", res.Error)
	}
	b, err := s.GetBroadcast(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	if res.RowsAffected == 0 {
		return b, &ConflictError{Field: "status", Message: fmt.Sprintf(format, b.Status), FieldMessage: string(b.Status)}
	}
	return b, nil
}

// BeginBroadcast moves a scheduled broadcast to running as its time comes, keeping
// definition (the segment's conditions now, JSON) as the ones its recipients are read
// with, unless an earlier attempt kept them already. It returns the broadcast as it
// stands: a cancelled one is not begun.
func (s *Store) BeginBroadcast(ctx context.Context, workspaceID, id string, definition []byte) (Broadcast, error) {
	now := time.Now().UTC()
	err := s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("workspace_id = ? AND id = ? AND status IN ? AND segment_definition IS NULL", workspaceID, id,
			[]BroadcastStatus{BroadcastScheduled, BroadcastRunning}).
		Updates(map[string]any{"status": BroadcastRunning, "segment_definition": JSONDocument(definition), "started_at": now, "updated_at": now}).Error
	if err != nil {
		return Broadcast{}, fmt.Errorf("begin broadcast: %w", err)
	}
	return s.GetBroadcast(ctx, workspaceID, id)
}

// AddBroadcastRecipients copies one page of recipients read after the friend ID after
// (the broadcast's SnapshotAfter when the page was read), numbering them on from Total,
// and moves SnapshotAfter to next; done says the page was the last. A page read from a
// SnapshotAfter that has moved since (another attempt got there first) is dropped:
// added is 0 and the caller reads again.
func (s *Store) AddBroadcastRecipients(ctx context.Context, workspaceID, id, after, next string, page []BroadcastRecipient, done bool) (added int, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b Broadcast
		if err := tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&b).Error; err != nil {
			return notFound(err)
		}
		if b.SnapshotDone || b.SnapshotAfter != after {
			return nil
		}
		rows := make([]BroadcastRecipient, len(page))
		for i, r := range page {
			rows[i] = BroadcastRecipient{BroadcastID: id, Seq: b.Total + i, FriendID: r.FriendID, LineUserID: r.LineUserID}
		}
		if len(rows) > 0 {
			if err := tx.CreateInBatches(rows, BroadcastBatchSize).Error; err != nil {
				return err
			}
		}
		// The compare on total and snapshot_after makes two attempts racing with the same
		// page commit once: the loser's update matches no row, and it rolls back.
		res := tx.Model(&Broadcast{}).
			Where("id = ? AND total = ? AND snapshot_after = ?", id, b.Total, after).
			Updates(map[string]any{"total": b.Total + len(rows), "snapshot_after": next, "snapshot_done": done, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errSnapshotMoved
		}
		added = len(rows)
		return nil
	})
	if errors.Is(err, errSnapshotMoved) {
		return 0, nil
	}
	if err != nil {
		return 0, wrapUnlessTyped("copy broadcast recipients", err)
	}
	return added, nil
}

var errSnapshotMoved = errors.New("the snapshot moved on")

// BroadcastBatchRecipients returns the recipients of batch n, in order.
func (s *Store) BroadcastBatchRecipients(ctx context.Context, broadcastID string, n int) ([]BroadcastRecipient, error) {
	var rows []BroadcastRecipient
	err := s.db.WithContext(ctx).
		Where("broadcast_id = ? AND seq >= ? AND seq < ?", broadcastID, n*BroadcastBatchSize, (n+1)*BroadcastBatchSize).
		Order("seq").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read batch %d of broadcast %s: %w", n, broadcastID, err)
	}
	return rows, nil
}

// NextBroadcastBatch is the number of the first batch LINE has not answered: batches
// go out in order, so it is one past the last one recorded.
func (s *Store) NextBroadcastBatch(ctx context.Context, broadcastID string) (int, error) {
	var next int
	err := s.db.WithContext(ctx).Model(&BroadcastBatch{}).
		Select("COALESCE(MAX(batch) + 1, 0)").Where("broadcast_id = ?", broadcastID).Scan(&next).Error
	if err != nil {
		return 0, fmt.Errorf("find the next batch of broadcast %s: %w", broadcastID, err)
	}
	return next, nil
}

// RecordBroadcastBatch records a batch done with and adds its recipients to the
// broadcast's sent and failed counts, in one transaction: a reader sees both or neither.
// Recording a batch again changes nothing. It counts whatever the broadcast's status
// is, as a batch LINE accepted went out even if the broadcast was cancelled meanwhile.
func (s *Store) RecordBroadcastBatch(ctx context.Context, workspaceID string, batch BroadcastBatch) error {
	if batch.Sent < 0 || batch.Failed < 0 || batch.Sent+batch.Failed > BroadcastBatchSize {
		return fmt.Errorf("models: batch %d of %d sent and %d failed: want 0 to %d in all", batch.Batch, batch.Sent, batch.Failed, BroadcastBatchSize)
	}
	batch.RecordedAt = time.Now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Broadcast{}).Where("workspace_id = ? AND id = ?", workspaceID, batch.BroadcastID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&batch)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // recorded before
		}
		return tx.Model(&Broadcast{}).Where("id = ?", batch.BroadcastID).Updates(map[string]any{
			"sent":       gorm.Expr("sent + ?", batch.Sent),
			"failed":     gorm.Expr("failed + ?", batch.Failed),
			"updated_at": batch.RecordedAt,
		}).Error
	})
	if err != nil {
		return wrapUnlessTyped("record broadcast batch", err)
	}
	return nil
}

// FinishBroadcast ends a running broadcast with status (completed, stopped or failed)
// and reason, or a scheduled or running one with cancelled. A broadcast in another
// status (cancelled by request meanwhile, say) is left as it is; the row as it stands
// is returned either way.
func (s *Store) FinishBroadcast(ctx context.Context, workspaceID, id string, status BroadcastStatus, reason string) (Broadcast, error) {
	from := []BroadcastStatus{BroadcastRunning}
	if status == BroadcastCancelled {
		from = append(from, BroadcastScheduled)
	}
	now := time.Now().UTC()
	err := s.db.WithContext(ctx).Model(&Broadcast{}).
		Where("workspace_id = ? AND id = ? AND status IN ?", workspaceID, id, from).
		Updates(map[string]any{"status": status, "stop_reason": reason, "finished_at": now, "updated_at": now}).Error
	if err != nil {
		return Broadcast{}, fmt.Errorf("finish broadcast: %w", err)
	}
	return s.GetBroadcast(ctx, workspaceID, id)
}
