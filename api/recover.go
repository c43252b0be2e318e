package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// recoverPanics turns a panicking handler into a 500 in the error shape, and logs the
// panic with its stack: one bad request must not take the process down.
func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				// net/http's way to abort a response on purpose; let it through.
				if e, ok := r.(error); ok && errors.Is(e, http.ErrAbortHandler) {
					panic(r)
				}
				log.ErrorContext(c.Request().Context(), "handler panicked",
					"request_id", requestIDOf(c),
					"method", c.Request().Method,
					"path", c.Request().URL.Path,
					"panic", fmt.Sprint(r),
					"stack", string(debug.Stack()))
				err = &Error{
					Status:  http.StatusInternalServerError,
					Code:    CodeInternal,
					Message: "internal server error",
					Cause:   fmt.Errorf("panic: %v", r),
				}
			}()
			return next(c)
		}
	}
}
