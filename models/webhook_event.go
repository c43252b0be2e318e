package models

import (
	"context"
	"time"
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
