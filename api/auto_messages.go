package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// autoMessageBody is the body of POST /v1/auto-messages and PUT /v1/auto-messages/{id}
// (which replaces the whole auto message: an absent lineAccountId clears it).
// Messages are read by definition.ParseMessages, under the rules of a send_message
// step's messages.
type autoMessageBody struct {
	Name          string          `json:"name" validate:"required,notblank,singleline,max=100"`
	LineAccountID *string         `json:"lineAccountId" validate:"omitnil,notblank,max=100"`
	Messages      json.RawMessage `json:"messages"`
}

// autoMessageJSON is how an auto message is shown.
type autoMessageJSON struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	LineAccountID *string         `json:"lineAccountId"`
	Messages      json.RawMessage `json:"messages"`
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

func toAutoMessageJSON(m models.AutoMessage) autoMessageJSON {
	return autoMessageJSON{
		ID:            m.ID,
		Name:          m.Name,
		LineAccountID: m.LineAccountID,
		Messages:      json.RawMessage(m.Messages),
		CreatedAt:     m.CreatedAt.UTC(),
		UpdatedAt:     m.UpdatedAt.UTC(),
	}
}

// bindAutoMessage reads and checks an auto message body, reporting every problem of the
// fields and of the messages in one answer, and returns it with its messages in
// canonical form.
func (s *server) bindAutoMessage(c echo.Context) (models.AutoMessageInput, error) {
	var in autoMessageBody
	err := s.bind(c, &in)
	var invalid *Error
	if err != nil && !(errors.As(err, &invalid) && invalid.Code == CodeValidationFailed) {
		return models.AutoMessageInput{}, err
	}
	fields := map[string]string{}
	if invalid != nil {
		for path, problem := range invalid.Fields {
			fields[path] = problem
		}
	}
	messages, problems := definition.ParseMessages(in.Messages)
	for path, problem := range problems.Fields() {
		fields[path] = problem
	}
	if len(fields) > 0 {
		return models.AutoMessageInput{}, validationFailed(fields)
	}
	canonical, err := json.Marshal(messages)
	if err != nil {
		return models.AutoMessageInput{}, err
	}
	return models.AutoMessageInput{Name: in.Name, LineAccountID: in.LineAccountID, Messages: canonical}, nil
}

func (s *server) createAutoMessage(c echo.Context) error {
	in, err := s.bindAutoMessage(c)
	if err != nil {
		return err
	}
	m, err := s.store.CreateAutoMessage(c.Request().Context(), workspaceID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAutoMessageJSON(m))
}

func (s *server) listAutoMessages(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.ListAutoMessages(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]autoMessageJSON, len(list))
	for i, m := range list {
		items[i] = toAutoMessageJSON(m)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) getAutoMessage(c echo.Context) error {
	m, err := s.store.GetAutoMessage(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return autoMessageError(err)
	}
	return c.JSON(http.StatusOK, toAutoMessageJSON(m))
}

// updateAutoMessage replaces an auto message. Steps read it when they send, so runs in
// flight send the new messages from their next send on.
func (s *server) updateAutoMessage(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	// Another workspace's ID is a 404 before the body is judged.
	if _, err := s.store.GetAutoMessage(ctx, ws, id); err != nil {
		return autoMessageError(err)
	}
	in, err := s.bindAutoMessage(c)
	if err != nil {
		return err
	}
	m, err := s.store.UpdateAutoMessage(ctx, ws, id, in)
	if err != nil {
		return autoMessageError(err)
	}
	return c.JSON(http.StatusOK, toAutoMessageJSON(m))
}

// deleteAutoMessage deletes an auto message no live workflow sends: one that an active
// or paused workflow's active version sends is a 409 naming the workflow. Runs still on
// an older version that sends it take their step's failed outlet (or fail).
func (s *server) deleteAutoMessage(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetAutoMessage(ctx, ws, id); err != nil {
		return autoMessageError(err)
	}
	users, err := s.liveWorkflowsUsing(ctx, ws, []string{id}, func(d *definition.Definition) bool {
		return referencesObject(d, definition.RefAutoMessage, id)
	})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUseConflict("the auto message", users)
	}
	if err := s.store.DeleteAutoMessage(ctx, ws, id); err != nil {
		return autoMessageError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// autoMessageError names the object in a 404.
func autoMessageError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("auto message not found")
	}
	return err
}
