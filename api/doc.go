// Package api is Lumo's HTTP interface: the REST API under /v1 that people and programs
// use to connect LINE accounts and manage workflows, plus the operational routes
// /healthz, /readyz and /openapi.json. It is built on Echo; New returns it ready to serve.
//
//	e := api.New(api.Deps{Config: cfg, Store: store, Temporal: temporalClient, Logger: log})
//	err := e.Start(cfg.HTTPAddr)
//
// # What every route shares
//
// Middleware, outermost first: a request ID (X-Request-Id, echoed back), a structured
// access log line per request, recovery from panics (a 500, logged with the stack), the
// body limit (Config.HTTPBodyLimit, 413 too_large), and bearer-key authentication for
// every path under /v1. The key's workspace goes into the request context, and every
// handler scopes every Store call by it, so another workspace's object is a plain 404.
//
// # Errors
//
// A handler returns an error; it never writes one. *Error carries a status, a code and
// per-field problems; the Store's sentinel errors (models.ErrNotFound, ErrConflict,
// ErrBadCursor, ErrBadLimit) map to 404, 409 and 422; anything else is a 500 whose detail
// is logged, not sent. The one error handler writes them all as
//
//	{"error": {"code": "validation_failed", "message": "...", "fields": {"channelId": "required"}}}
//
// # Handlers
//
// A handler is thin: bind (strict JSON decoding, then the `validate` tags, every bad
// field reported at once by its JSON path), call the Store, shape the answer. Request and response types
// are declared beside their handlers with camelCase JSON names; secrets are write-only.
//
// # Adding a route
//
// Register it in routes.go, describe it in openapi.json (a test fails until the two
// agree), and, for a /v1 route with a path parameter, add a case to the tenancy test's
// table (a test fails until you do).
package api
