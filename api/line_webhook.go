package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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
//
// An event with a field LINE would never send (lineEventProblem) is dropped and recorded
// (rejected_webhook_events, and a log line), and the rest of its delivery goes on: a
// delivery failed for one bad event would come back for ever.
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
	received := time.Now()
	events, rejected, err := parseLineEvents(body, received)
	if err != nil {
		return malformedJSON("the webhook body is not a LINE callback request: %v", err)
	}
	if len(rejected) > 0 {
		if err := s.recordRejectedEvents(c, account, rejected, received); err != nil {
			return err
		}
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
	if err := s.store.RecordWebhookEvents(ctx, account.WorkspaceID, account.ID, ids, received); err != nil {
		c.Logger().Error(err)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

// recordRejectedEvents keeps the events dropped from a delivery and logs each (once: a
// redelivery of one recorded before is not logged again). Failing to record is failing
// the delivery, so that LINE redelivers it and no event goes unseen.
func (s *server) recordRejectedEvents(c echo.Context, account models.LineAccount, rejected []rejectedEvent, at time.Time) error {
	rows := make([]models.RejectedWebhookEvent, len(rejected))
	for i, r := range rejected {
		rows[i] = models.RejectedWebhookEvent{
			WorkspaceID:   account.WorkspaceID,
			LineAccountID: account.ID,
			EventKey:      r.key,
			EventType:     r.typ,
			Reason:        r.reason,
			Event:         string(r.raw),
			ReceivedAt:    at,
		}
	}
	recorded, err := s.store.RecordRejectedWebhookEvents(c.Request().Context(), rows)
	if err != nil {
		return err
	}
	for _, r := range recorded {
		s.log.WarnContext(c.Request().Context(), "LINE webhook event rejected",
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"line_account_id", account.ID,
			"rejected_event_id", r.ID,
			"event_type", r.EventType,
			"reason", r.Reason)
	}
	return nil
}

// rejectedEvent is an event of a delivery that Lumo does not act on for a bad field.
type rejectedEvent struct {
	key    string // see rejectedEventKey
	typ    string
	reason string // "source.userId: must be …"
	raw    []byte // the event as LINE sent it
}

// actedOn are the event types Lumo acts on; others (join, beacon, …) are skipped.
var actedOn = map[string]bool{
	models.LineEventFollow: true, models.LineEventUnfollow: true, models.LineEventMessage: true,
	models.LineEventPostback: true, models.LineEventVideoPlayComplete: true,
}

// parseLineEvents reads a callback request and keeps the events Lumo acts on, from
// users (a group or room event without a user is skipped); events of those types with a
// field LINE would not send come back as rejected. Each event is read on its own, with
// the LINE SDK's parser, so one that does not parse is rejected alone. Keys LINE adds
// are ignored, as LINE asks of bots. err is for a body that is not a callback request.
func parseLineEvents(body []byte, now time.Time) (events []models.LineEvent, rejected []rejectedEvent, err error) {
	var callback struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &callback); err != nil {
		return nil, nil, err
	}
	for i, raw := range callback.Events {
		var head struct {
			Type           string          `json:"type"`
			WebhookEventID string          `json:"webhookEventId"`
			Timestamp      json.RawMessage `json:"timestamp"`
			Source         json.RawMessage `json:"source"`
		}
		if json.Unmarshal(raw, &head) != nil || !actedOn[head.Type] {
			continue // not an event object, or not a kind Lumo acts on
		}
		reject := func(field, problem string) {
			path := fmt.Sprintf("events[%d]", i)
			if field != "" {
				path += "." + field
			}
			rejected = append(rejected, rejectedEvent{
				key:    rejectedEventKey(head.WebhookEventID, head.Type, head.Timestamp, head.Source),
				typ:    head.Type,
				reason: path + ": " + problem,
				raw:    raw,
			})
		}
		sdkEvent, err := webhook.UnmarshalEvent(raw)
		if err != nil {
			reject("", "not a LINE "+head.Type+" event: "+strings.TrimPrefix(err.Error(), "UnmarshalEvent: "))
			continue
		}
		e, source, timestamp, ok := lineEvent(sdkEvent)
		if !ok || source.UserID == "" {
			continue
		}
		if field, problem := lineEventProblem(e, source, timestamp, now); problem != "" {
			reject(field, problem)
			continue
		}
		events = append(events, e)
	}
	return events, rejected, nil
}

// lineEvent converts one SDK event, with its source and its timestamp as LINE sent it
// (milliseconds); ok is false for kinds Lumo does not act on.
func lineEvent(raw webhook.EventInterface) (e models.LineEvent, source lineSource, timestamp int64, ok bool) {
	common := func(src webhook.SourceInterface, ms int64, id string, delivery *webhook.DeliveryContext, replyToken string) {
		source = sourceOf(src)
		timestamp = ms
		e.UserID = source.UserID
		e.Timestamp = time.UnixMilli(ms).UTC()
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
		return e, source, 0, false
	}
	return e, source, timestamp, true
}

func sourceOf(source webhook.SourceInterface) lineSource {
	switch s := source.(type) {
	case webhook.UserSource:
		return lineSource{UserID: s.UserId}
	case *webhook.UserSource:
		return lineSource{UserID: s.UserId}
	case webhook.GroupSource:
		return lineSource{UserID: s.UserId, GroupID: s.GroupId}
	case *webhook.GroupSource:
		return lineSource{UserID: s.UserId, GroupID: s.GroupId}
	case webhook.RoomSource:
		return lineSource{UserID: s.UserId, RoomID: s.RoomId}
	case *webhook.RoomSource:
		return lineSource{UserID: s.UserId, RoomID: s.RoomId}
	}
	return lineSource{}
}

func messageType(m webhook.MessageContentInterface) string {
	if m == nil {
		return ""
	}
	return m.GetType()
}
