package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// accessLog writes one structured line per request once its response is final. It hands
// a handler's error to the error handler itself (rather than leaving it to echo after the
// middleware returns) so that the status it logs is the one the client got.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			req := c.Request()
			status := c.Response().Status
			level := slog.LevelInfo
			if status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", c.Path()),
				slog.Int("status", status),
				slog.Duration("latency", time.Since(start)),
				slog.Int64("bytes_out", c.Response().Size),
				slog.String("request_id", requestIDOf(c)),
			}
			if ws := workspaceID(c); ws != "" {
				attrs = append(attrs, slog.String("workspace_id", ws))
			}
			log.LogAttrs(req.Context(), level, "http request", attrs...)
			return nil
		}
	}
}
