package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// WebhookEvent remembers a delivered event so a redelivery starts nothing twice.
type WebhookEvent struct {
	LineAccountID string    `gorm:"primaryKey"`
	EventID       string    `gorm:"primaryKey"`
	WorkspaceID   string    `gorm:"not null"`
	ReceivedAt    time.Time `gorm:"not null"`
}

// PruneWebhookEvents deletes at most limit delivery records received before before,
// oldest first, and returns how many went. It spans workspaces: it is housekeeping.
func (s *Store) PruneWebhookEvents(ctx context.Context, before time.Time, limit int) (int64, error) {
	// DELETE … LIMIT is not portable; a row-value IN over the oldest keys is, in both
	// PostgreSQL and SQLite, and walks the received_at index.
	res := s.db.WithContext(ctx).Exec(`
		DELETE FROM webhook_events
		WHERE (line_account_id, event_id) IN (
			SELECT line_account_id, event_id FROM webhook_events
			WHERE received_at < ? ORDER BY received_at LIMIT ?)`, before, limit)
	return res.RowsAffected, res.Error
}

// UnseenWebhookEvents returns which of eventIDs the account has not delivered before.
func (s *Store) UnseenWebhookEvents(ctx context.Context, lineAccountID string, eventIDs []string) (map[string]bool, error) {
	unseen := make(map[string]bool, len(eventIDs))
	for _, id := range eventIDs {
		unseen[id] = true
	}
	if len(eventIDs) == 0 {
		return unseen, nil
	}
	var seen []string
	err := s.db.WithContext(ctx).Model(&WebhookEvent{}).
		Where("line_account_id = ? AND event_id IN ?", lineAccountID, eventIDs).
		Pluck("event_id", &seen).Error
	if err != nil {
		return nil, fmt.Errorf("look up delivered webhook events: %w", err)
	}
	for _, id := range seen {
		delete(unseen, id)
	}
	return unseen, nil
}

// RecordWebhookEvents remembers delivered events; recording one again is a no-op.
func (s *Store) RecordWebhookEvents(ctx context.Context, workspaceID, lineAccountID string, eventIDs []string, at time.Time) error {
	if len(eventIDs) == 0 {
		return nil
	}
	rows := make([]WebhookEvent, len(eventIDs))
	for i, id := range eventIDs {
		rows[i] = WebhookEvent{LineAccountID: lineAccountID, EventID: id, WorkspaceID: workspaceID, ReceivedAt: at.UTC()}
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("record delivered webhook events: %w", err)
	}
	return nil
}
