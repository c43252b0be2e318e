package api

import (
	"errors"
	"regexp"
	"strings"
)

// basicIDPattern is a LINE Official Account's basic ID as its add-friend link carries
// it: "@" and up to 20 of a-z, 0-9, ".", "_", "-" (compared in lowercase).
var basicIDPattern = regexp.MustCompile(`^@[a-z0-9._-]{1,20}$`)

const basicIDProblem = `must be the account's basic ID: "@" and 1 to 20 of a-z, 0-9, ".", "_", "-" (LINE Official Account Manager, Account settings)`

// checkBasicID adds a bad basicId to the problems bindErr reports (or makes it the one
// problem), and lowercases a good one in place. With clearable, "" is accepted: it
// removes the basic ID. A bindErr that is not a validation failure is returned as it is.
func checkBasicID(bindErr error, basicID **string, clearable bool) error {
	var invalid *Error
	if bindErr != nil && !(errors.As(bindErr, &invalid) && invalid.Code == CodeValidationFailed) {
		return bindErr
	}
	problem := ""
	if *basicID != nil {
		lower := strings.ToLower(**basicID)
		switch {
		case lower == "" && clearable:
		case !basicIDPattern.MatchString(lower):
			problem = basicIDProblem
		}
		*basicID = &lower
	}
	if problem == "" {
		return bindErr
	}
	fields := map[string]string{"basicId": problem}
	if invalid != nil {
		for path, p := range invalid.Fields {
			fields[path] = p
		}
	}
	return validationFailed(fields)
}
