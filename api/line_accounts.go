package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// lineAccountCreate is the body of POST /v1/line-accounts.
type lineAccountCreate struct {
	Name               string `json:"name" validate:"required,notblank,singleline,max=100"`
	ChannelID          string `json:"channelId" validate:"required,number,max=20"`
	ChannelSecret      string `json:"channelSecret" validate:"required,linesecret"`
	ChannelAccessToken string `json:"channelAccessToken" validate:"required,token,max=2000"`
	// BasicID is checked by checkBasicID.
	BasicID *string `json:"basicId"`
}

// lineAccountUpdate is the body of PATCH /v1/line-accounts/{id}: any subset of the create
// fields, with the same rules. An absent (or null) field is left as it is; an empty one is
// "must not be blank", since none of them can be cleared. Sending a new secret or token
// rotates it.
type lineAccountUpdate struct {
	Name               *string `json:"name" validate:"omitnil,notblank,singleline,max=100"`
	ChannelID          *string `json:"channelId" validate:"omitnil,notblank,number,max=20"`
	ChannelSecret      *string `json:"channelSecret" validate:"omitnil,notblank,linesecret"`
	ChannelAccessToken *string `json:"channelAccessToken" validate:"omitnil,notblank,token,max=2000"`
	// BasicID is checked by checkBasicID; unlike the others, "" clears it.
	BasicID *string `json:"basicId"`
}

func (u lineAccountUpdate) empty() bool {
	return u.Name == nil && u.ChannelID == nil && u.ChannelSecret == nil && u.ChannelAccessToken == nil && u.BasicID == nil
}

// lineAccountJSON is how an account is shown. The channel secret and access token are
// write-only: they are never in a response, not even masked.
type lineAccountJSON struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	ChannelID  string    `json:"channelId"`
	BasicID    *string   `json:"basicId"`
	WebhookURL string    `json:"webhookUrl"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func (s *server) lineAccountJSON(a models.LineAccount) lineAccountJSON {
	return lineAccountJSON{
		ID:         a.ID,
		Name:       a.Name,
		ChannelID:  a.ChannelID,
		BasicID:    a.BasicID,
		WebhookURL: s.cfg.PublicURL + "/webhooks/line/" + a.ID,
		CreatedAt:  a.CreatedAt.UTC(),
		UpdatedAt:  a.UpdatedAt.UTC(),
	}
}

func (s *server) createLineAccount(c echo.Context) error {
	var in lineAccountCreate
	if err := checkBasicID(s.bind(c, &in), &in.BasicID, false); err != nil {
		return err
	}
	account, err := s.store.CreateLineAccount(c.Request().Context(), workspaceID(c), models.LineAccountInput{
		Name:               in.Name,
		ChannelID:          in.ChannelID,
		ChannelSecret:      in.ChannelSecret,
		ChannelAccessToken: in.ChannelAccessToken,
		BasicID:            in.BasicID,
	})
	if err != nil {
		return lineAccountError(err)
	}
	return c.JSON(http.StatusCreated, s.lineAccountJSON(account))
}

func (s *server) listLineAccounts(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	accounts, next, err := s.store.ListLineAccounts(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]lineAccountJSON, len(accounts))
	for i, a := range accounts {
		items[i] = s.lineAccountJSON(a)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) getLineAccount(c echo.Context) error {
	account, err := s.store.GetLineAccount(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return lineAccountError(err)
	}
	return c.JSON(http.StatusOK, s.lineAccountJSON(account))
}

func (s *server) updateLineAccount(c echo.Context) error {
	var in lineAccountUpdate
	if err := checkBasicID(s.bind(c, &in), &in.BasicID, true); err != nil {
		return err
	}
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if in.empty() {
		// Nothing to change: answer with the account as it is, without touching updatedAt.
		return s.getLineAccount(c)
	}
	account, err := s.store.UpdateLineAccount(ctx, ws, id, models.LineAccountInput{
		Name:               deref(in.Name),
		ChannelID:          deref(in.ChannelID),
		ChannelSecret:      deref(in.ChannelSecret),
		ChannelAccessToken: deref(in.ChannelAccessToken),
		BasicID:            in.BasicID,
	})
	if err != nil {
		return lineAccountError(err)
	}
	return c.JSON(http.StatusOK, s.lineAccountJSON(account))
}

func (s *server) deleteLineAccount(c echo.Context) error {
	if err := s.store.DeleteLineAccount(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return lineAccountError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// lineAccountError names the object in the Store's errors a person would otherwise have
// to guess at.
func lineAccountError(err error) error {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return notFound("LINE account not found")
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
