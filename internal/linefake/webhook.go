package linefake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// The other direction: LINE's platform calls the bot's webhook. These build callback
// requests as LINE documents them and sign them as LINE does, for tests and benchmarks
// that play LINE's part against Lumo's webhook.

// eventSeq numbers events within the process: unique webhookEventIds, and timestamps
// that never tie, so the order events were made in is the order they happened in.
var eventSeq atomic.Int64

// Event is one webhook event of type typ from userID, as LINE documents it: a user
// source, a webhookEventId of its own, a timestamp, the delivery context, and the
// fields of its kind (replyToken, message, postback, follow, …), which fields adds.
func Event(typ, userID string, fields map[string]any) map[string]any {
	n := eventSeq.Add(1)
	e := map[string]any{
		"type":            typ,
		"mode":            "active",
		"timestamp":       time.Now().UnixMilli() + n,
		"source":          map[string]any{"type": "user", "userId": userID},
		"webhookEventId":  fmt.Sprintf("01LINEFAKE%016d", n),
		"deliveryContext": map[string]any{"isRedelivery": false},
	}
	for k, v := range fields {
		e[k] = v
	}
	return e
}

// FollowEvent is userID adding the account as a friend (for the first time), answerable
// with replyToken ("" for none).
func FollowEvent(userID, replyToken string) map[string]any {
	return Event("follow", userID, withReplyToken(replyToken, map[string]any{
		"follow": map[string]any{"isUnblocked": false},
	}))
}

// TextEvent is a text message from userID, answerable with replyToken ("" for none).
func TextEvent(userID, replyToken, text string) map[string]any {
	id := fmt.Sprint(eventSeq.Add(1))
	return Event("message", userID, withReplyToken(replyToken, map[string]any{
		"message": map[string]any{"id": id, "type": "text", "quoteToken": "q" + id, "text": text},
	}))
}

// PostbackEvent is userID tapping an action that posts data back, answerable with
// replyToken ("" for none).
func PostbackEvent(userID, replyToken, data string) map[string]any {
	return Event("postback", userID, withReplyToken(replyToken, map[string]any{
		"postback": map[string]any{"data": data},
	}))
}

func withReplyToken(token string, fields map[string]any) map[string]any {
	if token != "" {
		fields["replyToken"] = token
	}
	return fields
}

// CallbackBody is a webhook request's body carrying events (none: LINE's connectivity
// check).
func CallbackBody(events ...map[string]any) []byte {
	if events == nil {
		events = []map[string]any{}
	}
	raw, err := json.Marshal(map[string]any{"destination": "U0000000000000000000000000000000f", "events": events})
	if err != nil {
		panic(fmt.Sprintf("linefake: an event that is not JSON: %v", err))
	}
	return raw
}

// Signature is what LINE puts in x-line-signature: the base64 of the HMAC-SHA256 of
// the body under the channel secret.
func Signature(channelSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(channelSecret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookRequest is the POST of body to a bot's webhook url, signed with channelSecret
// as LINE signs it.
func WebhookRequest(ctx context.Context, url, channelSecret string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-line-signature", Signature(channelSecret, body))
	return req, nil
}
