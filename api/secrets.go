package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// secretPut is the body of PUT /v1/secrets/{name}.
type secretPut struct {
	Value string `json:"value" validate:"required,notblank,max=4096"`
}

// secretJSON is how a secret is shown: its name and times. The value is write-only.
type secretJSON struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toSecretJSON(s models.Secret) secretJSON {
	return secretJSON{Name: s.Name, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

// secretNamePattern is the definition language's rule for a secretRef, so that every
// secret can be named by one.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

const secretNameProblem = "must be 1 to 64 letters, digits, _ or -"

func (s *server) putSecret(c echo.Context) error {
	name := c.Param("name")
	var in secretPut
	err := s.bind(c, &in)
	if !secretNamePattern.MatchString(name) {
		// Report the name with whatever the body got wrong, in one answer.
		fields := map[string]string{"name": secretNameProblem}
		var invalid *Error
		if errors.As(err, &invalid) && invalid.Code == CodeValidationFailed {
			for path, problem := range invalid.Fields {
				fields[path] = problem
			}
		}
		return validationFailed(fields)
	}
	if err != nil {
		return err
	}
	secret, _, err := s.store.PutSecret(c.Request().Context(), workspaceID(c), name, in.Value)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSecretJSON(secret))
}

func (s *server) listSecrets(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	secrets, next, err := s.store.ListSecretNames(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]secretJSON, len(secrets))
	for i, secret := range secrets {
		items[i] = toSecretJSON(secret)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

// deleteSecret deletes a secret no live workflow signs with; one that an active or
// paused workflow's steps use is a 409 naming the workflow, since every run reaching
// those steps would fail.
func (s *server) deleteSecret(c echo.Context) error {
	ctx, ws, name := c.Request().Context(), workspaceID(c), c.Param("name")
	if !secretNamePattern.MatchString(name) {
		return notFound("secret not found")
	}
	exists, err := s.store.ExistingObjects(ctx, ws, models.ObjectSecret, []string{name})
	if err != nil {
		return err
	}
	if !exists[name] {
		return notFound("secret not found")
	}
	needles := []string{name}
	if name == definition.DefaultSigningSecret {
		needles = append(needles, definition.KindSendData) // a step without a secretRef
	}
	users, err := s.liveWorkflowsUsing(ctx, ws, needles, func(d *definition.Definition) bool {
		return slices.ContainsFunc(d.Nodes, func(n definition.Node) bool {
			step, ok := n.(*definition.SendData)
			return ok && step.SigningSecret() == name
		}) || referencesObject(d, definition.RefSecret, name)
	})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUseConflict(fmt.Sprintf("secret %q", name), users)
	}
	if err := s.store.DeleteSecret(ctx, ws, name); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return notFound("secret not found")
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// signingSecretProblems reports each send_data step without a secretRef when the
// workspace has no secret named "signing" to sign its requests with. (A secretRef that
// names a missing secret is an unknown reference, reported with the others.)
func (s *server) signingSecretProblems(ctx context.Context, workspaceID string, d *definition.Definition) (definition.Problems, error) {
	var paths []string
	for i, node := range d.Nodes {
		if step, ok := node.(*definition.SendData); ok && step.SecretRef == "" {
			paths = append(paths, fmt.Sprintf("nodes[%d].secretRef", i))
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	found, err := s.store.ExistingObjects(ctx, workspaceID, models.ObjectSecret, []string{definition.DefaultSigningSecret})
	if err != nil || found[definition.DefaultSigningSecret] {
		return nil, err
	}
	problems := make(definition.Problems, len(paths))
	for i, path := range paths {
		problems[i] = definition.Problem{Path: path, Message: fmt.Sprintf(
			"the workspace has no %q secret to sign this step's requests: create it (PUT /v1/secrets/%s) or name another secret here",
			definition.DefaultSigningSecret, definition.DefaultSigningSecret)}
	}
	return problems, nil
}
