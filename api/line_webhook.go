package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/lumoworkflows/lumo/models"
)

// lineWebhook is LINE's webhook for one account: POST /webhooks/line/{lineAccountId}.
// It verifies the x-line-signature over the raw body with the account's channel
// secret, drops events delivered before, and hands the rest to Temporal (one inbox
// workflow per friend, which keeps each friend's events in order). It answers 200 only
// once every event is durably with Temporal; otherwise 503, and LINE redelivers.
func (s *server) lineWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	account, err := s.store.LineAccountByID(ctx, c.Param("lineAccountId"))
	if errors.Is(err, models.ErrNotFound) {
		return notFound("no LINE account with this ID: check the webhook URL in the LINE Developers console")
	}
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // too large (413) or the connection failed
	}
	credentials, err := s.store.OpenLineCredentials(account)
	if err != nil {
		return err
	}
	if !webhook.ValidateSignature(credentials.ChannelSecret, c.Request().Header.Get("x-line-signature"), body) {
		return unauthorized("x-line-signature is missing or does not match the body and the channel secret")
	}
	events, err := parseLineEvents(body)
	if err != nil {
		return malformedJSON("the webhook body is not a LINE callback request: %v", err)
	}
	if len(events) == 0 {
		return c.JSON(http.StatusOK, struct{}{}) // LINE's connectivity check, or nothing Lumo acts on
	}
	if s.engine == nil {
		return engineMissing()
	}

	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	unseen, err := s.store.UnseenWebhookEvents(ctx, account.ID, ids)
	if err != nil {
		return err
	}
	fresh := events[:0]
	for _, e := range events {
		if unseen[e.ID] {
			fresh = append(fresh, e)
		}
	}
	if err := s.engine.DeliverLineEvents(ctx, account.WorkspaceID, account.ID, fresh); err != nil {
		return fmt.Errorf("hand LINE events to Temporal: %w", err)
	}
	// The inbox drops repeats too, so a failure to remember them only costs a
	// redelivery some work: log it, and answer LINE that all is well.
	if err := s.store.RecordWebhookEvents(ctx, account.WorkspaceID, account.ID, ids, time.Now()); err != nil {
		c.Logger().Error(err)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

// parseLineEvents reads a callback request with the LINE SDK's parser and keeps the
// events Lumo acts on, from users (a group or room event without a user is skipped).
func parseLineEvents(body []byte) ([]models.LineEvent, error) {
	var callback webhook.CallbackRequest
	if err := json.Unmarshal(body, &callback); err != nil {
		return nil, err
	}
	events := make([]models.LineEvent, 0, len(callback.Events))
	for _, raw := range callback.Events {
		e, ok := lineEvent(raw)
		if ok && e.ID != "" && e.UserID != "" {
			events = append(events, e)
		}
	}
	return events, nil
}

// lineEvent converts one SDK event; ok is false for kinds Lumo does not act on.
func lineEvent(raw webhook.EventInterface) (models.LineEvent, bool) {
	var e models.LineEvent
	common := func(source webhook.SourceInterface, timestamp int64, id string, delivery *webhook.DeliveryContext, replyToken string) {
		e.UserID = sourceUser(source)
		e.Timestamp = time.UnixMilli(timestamp).UTC()
		e.ID = id
		e.Redelivery = delivery != nil && delivery.IsRedelivery
		e.ReplyToken = replyToken
	}
	switch ev := raw.(type) {
	case webhook.FollowEvent:
		return lineEvent(&ev)
	case *webhook.FollowEvent:
		common(ev.Source, ev.Timestamp, ev.WebhookEventId, ev.DeliveryContext, ev.ReplyToken)
		e.Type = models.LineEventFollow
		e.IsUnblocked = ev.Follow != nil && ev.Follow.IsUnblocked
	case webhook.UnfollowEvent:
		return lineEvent(&ev)
	case *webhook.UnfollowEvent:
		common(ev.Source, ev.Timestamp, ev.WebhookEventId, ev.DeliveryContext, "")
		e.Type = models.LineEventUnfollow
	case webhook.MessageEvent:
		return lineEvent(&ev)
	case *webhook.MessageEvent:
		common(ev.Source, ev.Timestamp, ev.WebhookEventId, ev.DeliveryContext, ev.ReplyToken)
		e.Type = models.LineEventMessage
		e.MessageType = messageType(ev.Message)
		if text, ok := ev.Message.(webhook.TextMessageContent); ok {
			e.Text = text.Text
		} else if text, ok := ev.Message.(*webhook.TextMessageContent); ok {
			e.Text = text.Text
		}
	case webhook.PostbackEvent:
		return lineEvent(&ev)
	case *webhook.PostbackEvent:
		common(ev.Source, ev.Timestamp, ev.WebhookEventId, ev.DeliveryContext, ev.ReplyToken)
		e.Type = models.LineEventPostback
		if ev.Postback != nil {
			e.PostbackData, e.PostbackParams = ev.Postback.Data, ev.Postback.Params
		}
	case webhook.VideoPlayCompleteEvent:
		return lineEvent(&ev)
	case *webhook.VideoPlayCompleteEvent:
		common(ev.Source, ev.Timestamp, ev.WebhookEventId, ev.DeliveryContext, ev.ReplyToken)
		e.Type = models.LineEventVideoPlayComplete
		if ev.VideoPlayComplete != nil {
			e.TrackingID = ev.VideoPlayComplete.TrackingId
		}
	default:
		return e, false
	}
	return e, true
}

func sourceUser(source webhook.SourceInterface) string {
	switch s := source.(type) {
	case webhook.UserSource:
		return s.UserId
	case *webhook.UserSource:
		return s.UserId
	case webhook.GroupSource:
		return s.UserId
	case *webhook.GroupSource:
		return s.UserId
	case webhook.RoomSource:
		return s.UserId
	case *webhook.RoomSource:
		return s.UserId
	}
	return ""
}

func messageType(m webhook.MessageContentInterface) string {
	if m == nil {
		return ""
	}
	return m.GetType()
}
