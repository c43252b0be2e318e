package api

import "github.com/labstack/echo/v4"

// apiContentSecurityPolicy lets a response load nothing, be framed by nothing and post
// forms nowhere: the API answers JSON, PNGs and redirects, none of which needs more.
//
// The console to come serves HTML and will need scripts, styles and calls back to the
// API from its own origin. Its handlers will set their own policy on their pages, which
// replaces this one (securityHeaders sets the headers before the handler runs), e.g.
//
//	default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'
//
// keeping frame-ancestors and base-uri as strict as here, and everything else at 'self'.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders puts the headers that tell a browser how to treat a response on every
// response: errors, 404s, webhooks, redirects and the OpenAPI document alike. They are set
// before anything else runs, so even a panic's 500 carries them.
//
//   - X-Content-Type-Options: nosniff  a browser takes the Content-Type as given and
//     never guesses HTML or script from a body (a friend's name in a JSON error included).
//   - Referrer-Policy: no-referrer  a QR scan's redirect to LINE, or any link followed
//     from an API answer, does not hand on the URL it came from.
//   - Content-Security-Policy and X-Frame-Options: DENY  nothing in a response runs,
//     loads or is framed (X-Frame-Options for browsers older than frame-ancestors).
func securityHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set(echo.HeaderXContentTypeOptions, "nosniff")
			h.Set(echo.HeaderReferrerPolicy, "no-referrer")
			h.Set(echo.HeaderContentSecurityPolicy, apiContentSecurityPolicy)
			h.Set(echo.HeaderXFrameOptions, "DENY")
			return next(c)
		}
	}
}
