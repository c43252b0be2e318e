package models

import "github.com/google/uuid"

// NewID returns a fresh row ID: a UUIDv7, so IDs sort by creation time and "newest first"
// is "ID descending" in both PostgreSQL and SQLite.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}
