package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrNotFound means no row with that key exists in the caller's workspace.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with a row that exists (a unique key). The
	// errors returned are *ConflictError, which match it with errors.Is.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means a service the change needs (Temporal) cannot be reached now;
	// nothing was changed and the caller may try again.
	ErrUnavailable = errors.New("temporarily unavailable")
)

// ConflictError is a change that collides with a row that exists. Field names the input
// field at fault (the API reports the problem under it), empty when no one field is.
type ConflictError struct {
	Field   string
	Message string
	// FieldMessage is what the API says under Field; empty means "already in use".
	FieldMessage string
}

func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) hold for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// FieldError is input that names something that cannot be used (a var the workflow does
// not declare, a friend of another LINE account): the API answers 422 with Message under
// Field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Is makes errors.Is(err, ErrInvalidInput) hold for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidInput }

// ValidationError is input with several problems, each under the path of the input at
// fault (a segment definition's "groups[1].conditions[0].value"): the API answers 422
// with Fields as they are.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	paths := make([]string, 0, len(e.Fields))
	for path := range e.Fields {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	var b strings.Builder
	b.WriteString("invalid input")
	for _, path := range paths {
		fmt.Fprintf(&b, "; %s: %s", path, e.Fields[path])
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidInput) hold for every ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }
