package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// rejectedEventJSON is an event dropped from a LINE account's webhook delivery, as an
// operator sees it: what came (the start of the event's JSON) and why it was refused.
type rejectedEventJSON struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Reason     string    `json:"reason"`
	Event      string    `json:"event"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// listRejectedEvents answers GET /v1/line-accounts/{id}/rejected-events: the events the
// webhook dropped for a field LINE would not send, newest first.
func (s *server) listRejectedEvents(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	account, err := s.store.GetLineAccount(ctx, ws, c.Param("id"))
	if err != nil {
		return lineAccountError(err)
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, next, err := s.store.ListRejectedWebhookEvents(ctx, ws, account.ID, page)
	if err != nil {
		return err
	}
	items := make([]rejectedEventJSON, len(rows))
	for i, r := range rows {
		items[i] = rejectedEventJSON{ID: r.ID, Type: r.EventType, Reason: r.Reason, Event: r.Event, ReceivedAt: r.ReceivedAt.UTC()}
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}
