package models

import "errors"

var (
	// ErrNotFound means no row with that key exists in the caller's workspace.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with a row that exists (a unique key).
	ErrConflict = errors.New("conflict")
)
