package linefake_test

import (
	"context"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

// What the fake sends as LINE is what LINE's own SDK parses and accepts as signed.
func TestWebhookRequest_ParsesAndVerifiesWithLINEsSDK(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	body := linefake.CallbackBody(
		linefake.FollowEvent("U1", "token-1"),
		linefake.TextEvent("U1", "token-2", "hello"),
		linefake.PostbackEvent("U1", "", "action=buy"),
	)
	cases := []struct {
		name      string
		secret    string
		wantError error
	}{
		{name: "the channel's secret", secret: secret},
		{name: "another secret", secret: "ffffffffffffffffffffffffffffffff", wantError: webhook.ErrInvalidSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := linefake.WebhookRequest(context.Background(), "http://bot.example/webhook", tc.secret, body)
			if err != nil {
				t.Fatal(err)
			}
			callback, err := webhook.ParseRequest(secret, req)
			if err != tc.wantError {
				t.Fatalf("ParseRequest: %v, want %v", err, tc.wantError)
			}
			if tc.wantError != nil {
				return
			}
			if len(callback.Events) != 3 {
				t.Fatalf("%d events, want 3", len(callback.Events))
			}
			follow, ok := callback.Events[0].(webhook.FollowEvent)
			if !ok || follow.ReplyToken != "token-1" {
				t.Errorf("first event %#v, want a follow with its reply token", callback.Events[0])
			}
			text, ok := callback.Events[1].(webhook.MessageEvent)
			if !ok || text.Message.(webhook.TextMessageContent).Text != "hello" {
				t.Errorf("second event %#v, want the text hello", callback.Events[1])
			}
			postback, ok := callback.Events[2].(webhook.PostbackEvent)
			if !ok || postback.Postback.Data != "action=buy" || postback.ReplyToken != "" {
				t.Errorf("third event %#v, want a postback without a reply token", callback.Events[2])
			}
			if follow.WebhookEventId == text.WebhookEventId || follow.Timestamp >= text.Timestamp {
				t.Errorf("events share an ID or a timestamp: %s@%d, %s@%d", follow.WebhookEventId, follow.Timestamp, text.WebhookEventId, text.Timestamp)
			}
		})
	}
}
