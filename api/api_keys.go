package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// apiKeyCreate is the body of POST /v1/api-keys.
type apiKeyCreate struct {
	Name string `json:"name" validate:"required,notblank,singleline,max=100"`
}

// apiKeyJSON is how a key is shown: never its hash, and its plaintext only in the answer
// to its creation (apiKeyCreatedJSON).
type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

// apiKeyCreatedJSON is a new key with its plaintext, which is shown this once: only a
// hash of it is kept.
type apiKeyCreatedJSON struct {
	apiKeyJSON
	Key string `json:"key"`
}

func toAPIKeyJSON(k models.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utcOrNil(k.LastUsedAt), RevokedAt: utcOrNil(k.RevokedAt)}
}

func (s *server) createAPIKey(c echo.Context) error {
	var in apiKeyCreate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	key, plaintext, err := s.store.CreateAPIKey(c.Request().Context(), workspaceID(c), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiKeyCreatedJSON{apiKeyJSON: toAPIKeyJSON(key), Key: plaintext})
}

func (s *server) listAPIKeys(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	keys, next, err := s.store.ListAPIKeys(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		items[i] = toAPIKeyJSON(k)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

// revokeAPIKey revokes one of the workspace's keys: from the next request on it is 401.
// The key stays listed, with revokedAt. Revoking it again answers the same; revoking the
// workspace's last live key is a 409, since nobody could then use the API to make another.
func (s *server) revokeAPIKey(c echo.Context) error {
	key, err := s.store.RevokeAPIKey(c.Request().Context(), workspaceID(c), c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return notFound("API key not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIKeyJSON(key))
}
