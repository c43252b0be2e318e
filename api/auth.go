package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// apiPrefix is the part of the URL space that needs an API key.
const apiPrefix = "/v1"

// requireAPIKey authenticates every request under /v1 by its bearer key and puts the
// key's workspace in the request context. Handlers scope every Store call by that
// workspace, which is all tenancy takes: another workspace's rows are simply not found.
//
// It runs for every request and decides by path rather than being the /v1 group's
// middleware: echo implements group middleware with catch-all routes that turn a wrong
// method into a 404 instead of a 405. Deciding by path also means a route added under /v1
// cannot forget it, and an unknown /v1 path answers 401 to a caller without a key.
func requireAPIKey(store *models.Store) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !needsAPIKey(c) {
				return next(c)
			}
			plaintext, ok := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
			if !ok {
				return unauthorized("missing API key: send the header Authorization: Bearer <api key>")
			}
			key, err := store.AuthenticateAPIKey(c.Request().Context(), plaintext)
			if errors.Is(err, models.ErrNotFound) {
				return unauthorized("invalid API key")
			}
			if err != nil {
				return fmt.Errorf("authenticate api key: %w", err)
			}
			req := c.Request()
			c.SetRequest(req.WithContext(withAPIKey(req.Context(), key)))
			return next(c)
		}
	}
}

// needsAPIKey is true when the matched route, or the requested path when no route
// matched, is under apiPrefix.
func needsAPIKey(c echo.Context) bool {
	under := func(path string) bool {
		return path == apiPrefix || strings.HasPrefix(path, apiPrefix+"/")
	}
	return under(c.Path()) || under(c.Request().URL.Path) || under(c.Request().URL.RawPath)
}

// bearerToken takes the credentials out of an Authorization header of the Bearer scheme,
// whose name is case-insensitive (RFC 7235).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type apiKeyContextKey struct{}

func withAPIKey(ctx context.Context, key models.APIKey) context.Context {
	return context.WithValue(ctx, apiKeyContextKey{}, key)
}

// workspaceIDFrom returns the workspace the request authenticated as, or "" outside /v1.
func workspaceIDFrom(ctx context.Context) string {
	key, _ := ctx.Value(apiKeyContextKey{}).(models.APIKey)
	return key.WorkspaceID
}

// workspaceID is the authenticated workspace of a /v1 request.
func workspaceID(c echo.Context) string {
	return workspaceIDFrom(c.Request().Context())
}

// actorHeader names the person behind a request made through an editor or integration;
// it is recorded as createdBy and lastPublishedBy. Without it the API key stands in.
const actorHeader = "X-Lumo-Actor"

// actor is who a /v1 request acts as: the X-Lumo-Actor header when it is a short
// printable name, else the API key, by its ID ("api-key:<id>"): what is recorded is
// shown to everyone in the workspace, so it carries nothing of the key itself.
func actor(c echo.Context) string {
	if name := strings.TrimSpace(c.Request().Header.Get(actorHeader)); name != "" && len(name) <= 200 && printable(name) {
		return name
	}
	key, _ := c.Request().Context().Value(apiKeyContextKey{}).(models.APIKey)
	return key.Actor()
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
