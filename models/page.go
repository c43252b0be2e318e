package models

import (
	"encoding/base64"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Page asks for one page of a list, newest first.
type Page struct {
	// Limit is how many rows to return; 0 means DefaultPageLimit, at most MaxPageLimit.
	Limit int
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string
}

const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// ErrBadCursor means a cursor was not one this server handed out.
var ErrBadCursor = errors.New("invalid cursor")

// ErrBadLimit means a limit outside 1..MaxPageLimit.
var ErrBadLimit = fmt.Errorf("limit must be between 1 and %d", MaxPageLimit)

// listPage runs q newest first from the page's cursor, and returns the rows and the cursor
// of the next page ("" on the last). Rows are ordered by ID, which is time-ordered.
func listPage[T any](q *gorm.DB, page Page, idOf func(T) string) ([]T, string, error) {
	limit := page.Limit
	switch {
	case limit == 0:
		limit = DefaultPageLimit
	case limit < 0 || limit > MaxPageLimit:
		return nil, "", ErrBadLimit
	}
	if page.Cursor != "" {
		after, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		if err != nil || len(after) == 0 {
			return nil, "", ErrBadCursor
		}
		q = q.Where("id < ?", string(after))
	}
	var rows []T
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(idOf(rows[limit-1])))
	}
	return rows, next, nil
}
