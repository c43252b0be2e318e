package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// Error codes, one for each status the API answers with. Clients branch on the code; the
// message is for people.
const (
	CodeMalformedJSON    = "malformed_json"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeValidationFailed = "validation_failed"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
)

// Error is the one error a handler returns to say what went wrong. The error handler
// writes it as
//
//	{"error": {"code": "...", "message": "...", "fields": {"path": "problem"}}}
//
// Status is the HTTP status; Fields, keyed by the JSON path of the offending input, is
// omitted when empty. Cause is logged, never sent: it is where internal detail goes.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	Cause   error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: %s", e.Status, e.Code, e.Message)
	for path, problem := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", path, problem)
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, ": %v", e.Cause)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func malformedJSON(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformedJSON, Message: fmt.Sprintf(format, args...)}
}

func unauthorized(message string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: message}
}

func notFound(message string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: message}
}

func conflict(message string, fields map[string]string) *Error {
	return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: message, Fields: fields}
}

func tooLarge(limit int64) *Error {
	return &Error{
		Status:  http.StatusRequestEntityTooLarge,
		Code:    CodeTooLarge,
		Message: fmt.Sprintf("request body is larger than %d bytes", limit),
	}
}

func validationFailed(fields map[string]string) *Error {
	return &Error{
		Status:  http.StatusUnprocessableEntity,
		Code:    CodeValidationFailed,
		Message: "the request is invalid; see fields",
		Fields:  fields,
	}
}

// temporalUnavailableMessage is the 503 a request gets when Temporal cannot be reached.
const temporalUnavailableMessage = "the workflow engine (Temporal) cannot be reached right now; try again shortly"

// toAPIError maps whatever a handler or middleware returned to an *Error: the API's own
// errors pass through, the Store's sentinel errors and echo's routing errors get their
// status, and anything else is an internal error whose detail stays in the log.
func toAPIError(err error, c echo.Context) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	var collision *models.ConflictError
	if errors.As(err, &collision) {
		var fields map[string]string
		if collision.Field != "" {
			message := collision.FieldMessage
			if message == "" {
				message = "already in use"
			}
			fields = map[string]string{collision.Field: message}
		}
		return conflict(collision.Message, fields)
	}
	var invalid *models.FieldError
	if errors.As(err, &invalid) {
		return validationFailed(map[string]string{invalid.Field: invalid.Message})
	}
	var problems *models.ValidationError
	if errors.As(err, &problems) {
		return validationFailed(problems.Fields)
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return notFound("not found")
	case errors.Is(err, models.ErrUnavailable):
		// The wrapped text is Temporal's own error (hosts, ports, RPC detail): logged only.
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: temporalUnavailableMessage, Cause: err}
	case models.DatabaseUnreachable(err):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: "the database cannot be reached right now; try again shortly", Cause: err}
	case errors.Is(err, models.ErrBadCursor):
		return validationFailed(map[string]string{"cursor": cursorProblem})
	case errors.Is(err, models.ErrBadLimit):
		return validationFailed(map[string]string{"limit": limitProblem})
	}
	var httpErr *echo.HTTPError
	if errors.As(err, &httpErr) {
		return fromEchoError(httpErr, c)
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal server error", Cause: err}
}

// fromEchoError covers what echo itself returns: no route, wrong method, and the odd
// error from its helpers.
func fromEchoError(he *echo.HTTPError, c echo.Context) *Error {
	req := c.Request()
	switch he.Code {
	case http.StatusNotFound:
		return notFound(fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path))
	case http.StatusMethodNotAllowed:
		message := fmt.Sprintf("%s is not allowed on %s", req.Method, req.URL.Path)
		if allow := c.Response().Header().Get(echo.HeaderAllow); allow != "" {
			message += "; allowed: " + allow
		}
		return &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: message}
	case http.StatusRequestEntityTooLarge:
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Message: "request body is too large"}
	case http.StatusUnauthorized:
		return unauthorized("unauthorized")
	}
	if he.Code >= 400 && he.Code < 500 {
		return &Error{Status: he.Code, Code: strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_"), Message: fmt.Sprint(he.Message)}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal server error", Cause: he}
}

// errorHandler is the echo.HTTPErrorHandler: it writes every error in the one shape, and
// logs internal errors with their cause and the request ID so that a 500 a client reports
// can be found.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		apiErr := toAPIError(err, c)
		if apiErr.Status >= http.StatusInternalServerError {
			log.ErrorContext(c.Request().Context(), "request failed",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method,
				"path", c.Request().URL.Path,
				"error", err.Error())
		}
		if c.Response().Committed {
			return
		}
		if apiErr.Status == http.StatusUnauthorized {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, "Bearer")
		}
		var writeErr error
		if c.Request().Method == http.MethodHead {
			writeErr = c.NoContent(apiErr.Status)
		} else {
			writeErr = c.JSON(apiErr.Status, errorBody{Error: errorDetail{
				Code:    apiErr.Code,
				Message: apiErr.Message,
				Fields:  apiErr.Fields,
			}})
		}
		if writeErr != nil {
			log.DebugContext(c.Request().Context(), "write error response", "error", writeErr)
		}
	}
}
