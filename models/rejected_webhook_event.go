package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm/clause"
)

// RejectedWebhookEvent is a LINE webhook event that came signed but that Lumo did not
// act on, because a field of it is not what LINE sends (a user ID of the wrong shape, a
// timestamp outside any sane range, a text longer than LINE allows). The delivery it came
// in is still acknowledged, so LINE does not redeliver the batch for ever; the row is
// what an operator looks at to see what was dropped and why.
type RejectedWebhookEvent struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID string `gorm:"not null"`
	// EventKey is the event's webhookEventId, or a digest of the fields a redelivery
	// keeps when that ID is unusable itself: unique per account, so a redelivered event
	// is recorded once.
	EventKey string `gorm:"not null"`
	// EventType is LINE's event type ("message", "follow", …), cut to
	// MaxRejectedEventTypeBytes.
	EventType string `gorm:"not null"`
	// Reason names the field and what is wrong with it ("source.userId: …").
	Reason string `gorm:"not null"`
	// Event is the start of the event's JSON as LINE sent it, at most
	// MaxRejectedEventBytes.
	Event      string    `gorm:"not null"`
	ReceivedAt time.Time `gorm:"not null"`
}

// Bounds on what a rejected event keeps: enough to see what came, never the whole of a
// field that was refused for being huge.
const (
	MaxRejectedEventBytes     = 4096
	MaxRejectedEventTypeBytes = 64
	maxRejectedReasonBytes    = 1024
)

// RecordRejectedWebhookEvents keeps events dropped from a delivery and returns those it
// had not kept before; an event recorded before (a redelivery) is left as it was.
func (s *Store) RecordRejectedWebhookEvents(ctx context.Context, events []RejectedWebhookEvent) ([]RejectedWebhookEvent, error) {
	var recorded []RejectedWebhookEvent
	// One row at a time: a delivery carries at most a few events, and each insert says
	// whether it was new.
	for _, e := range events {
		if e.ID == "" {
			e.ID = NewID()
		}
		e.EventType = clip(e.EventType, MaxRejectedEventTypeBytes)
		e.Reason = clip(e.Reason, maxRejectedReasonBytes)
		e.Event = clip(e.Event, MaxRejectedEventBytes)
		e.ReceivedAt = e.ReceivedAt.UTC()
		res := s.db.WithContext(ctx).
			Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "line_account_id"}, {Name: "event_key"}}, DoNothing: true}).
			Create(&e)
		if res.Error != nil {
			return recorded, fmt.Errorf("record rejected webhook events: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			recorded = append(recorded, e)
		}
	}
	return recorded, nil
}

// ListRejectedWebhookEvents lists the events dropped from a LINE account's webhook
// deliveries, newest first. An account of another workspace has none.
func (s *Store) ListRejectedWebhookEvents(ctx context.Context, workspaceID, lineAccountID string, page Page) ([]RejectedWebhookEvent, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ? AND line_account_id = ?", workspaceID, lineAccountID)
	return listPage(q, page, func(e RejectedWebhookEvent) string { return e.ID })
}

// clip cuts s to at most n bytes of valid UTF-8 (PostgreSQL refuses anything else in a
// text column, and an event refused for its bytes may carry any): invalid sequences
// become U+FFFD, NUL is dropped, and a cut never splits a character.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
