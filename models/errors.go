package models

import "errors"

var (
	// ErrNotFound means no row with that key exists in the caller's workspace.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with a row that exists (a unique key). The
	// errors returned are *ConflictError, which match it with errors.Is.
	ErrConflict = errors.New("conflict")
)

// ConflictError is a change that collides with a row that exists. Field names the input
// field at fault (the API reports the problem under it), empty when no one field is.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) hold for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
