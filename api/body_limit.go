package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// defaultBodyLimit applies when Config.HTTPBodyLimit is zero.
const defaultBodyLimit int64 = 1 << 20

// limitBody caps request bodies at limit bytes. A declared Content-Length over the limit is
// refused before the handler runs; a body without one (chunked) is cut off by
// http.MaxBytesReader as it is read, and bind turns the *http.MaxBytesError into the same
// 413. Either way the client gets too_large, never a truncated request.
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return tooLarge(limit)
			}
			if req.Body != nil && req.Body != http.NoBody {
				// The net/http writer, not echo's wrapper: through it MaxBytesReader also
				// tells the server to close the connection instead of draining the rest.
				req.Body = http.MaxBytesReader(c.Response().Writer, req.Body, limit)
			}
			return next(c)
		}
	}
}
