package linefake_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

type detail struct{ property, message string }

func TestValidation_PushBodiesLINERefuses(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)

	tests := []struct {
		name    string
		req     messaging_api.PushMessageRequest
		message string
		details []detail
	}{
		{
			name:    "no messages",
			req:     messaging_api.PushMessageRequest{To: friend.UserID},
			message: "The request body has 1 error(s)",
			details: []detail{{"messages", "Size must be between 1 and 5"}},
		},
		{
			name:    "six messages",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: texts("1", "2", "3", "4", "5", "6")},
			message: "The request body has 1 error(s)",
			details: []detail{{"messages", "Size must be between 1 and 5"}},
		},
		{
			name:    "empty text",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: texts("ok", "")},
			message: "The request body has 1 error(s)",
			details: []detail{{"messages[1].text", "May not be empty"}},
		},
		{
			name:    "text over 5000 characters",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: texts(strings.Repeat("a", 5001))},
			message: "The request body has 1 error(s)",
			details: []detail{{"messages[0].text", "Length must be between 0 and 5000"}},
		},
		{
			name:    "text over 5000 UTF-16 units though under 5000 runes",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: texts(strings.Repeat("😀", 2501))},
			message: "The request body has 1 error(s)",
			details: []detail{{"messages[0].text", "Length must be between 0 and 5000"}},
		},
		{
			name:    "sticker without its IDs",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: []messaging_api.MessageInterface{&messaging_api.StickerMessage{}}},
			message: "The request body has 2 error(s)",
			details: []detail{{"messages[0].packageId", "May not be empty"}, {"messages[0].stickerId", "May not be empty"}},
		},
		{
			name:    "two aggregation units",
			req:     messaging_api.PushMessageRequest{To: friend.UserID, Messages: texts("x"), CustomAggregationUnits: []string{"a", "b"}},
			message: "The request body has 1 error(s)",
			details: []detail{{"customAggregationUnits", "Size must be between 0 and 1"}},
		},
		{
			name:    "to that is a display name",
			req:     messaging_api.PushMessageRequest{To: "Aiko", Messages: texts("x")},
			message: "The property, 'to', in the request body is invalid (line: -, column: -)",
		},
		{
			name:    "to with upper-case hex",
			req:     messaging_api.PushMessageRequest{To: "U" + strings.ToUpper(friend.UserID[1:]), Messages: texts("x")},
			message: "The property, 'to', in the request body is invalid (line: -, column: -)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := bot.PushMessageWithHttpInfo(&tt.req, "")
			if err == nil {
				t.Fatal("want an error")
			}
			wantStatus(t, res, http.StatusBadRequest)
			checkError(t, errorBody(t, res), tt.message, tt.details)
		})
	}
	if got := len(srv.Delivered(friend.UserID)); got != 0 {
		t.Errorf("delivered %d, want 0", got)
	}
}

func TestValidation_BodiesTheSDKCannotSend(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	to := `"to":"` + friend.UserID + `"`

	tests := []struct {
		name, path, body string
		message          string
		details          []detail
	}{
		{"push: not JSON", "/v2/bot/message/push", `{"to":`, "The request body could not be parsed as JSON", nil},
		{"push: to is a number", "/v2/bot/message/push", `{"to":42,"messages":[{"type":"text","text":"x"}]}`,
			"The property, 'to', in the request body is invalid (line: -, column: -)", nil},
		{"push: unknown message type", "/v2/bot/message/push", `{` + to + `,"messages":[{"type":"fax","text":"x"}]}`,
			"The request body has 1 error(s)",
			[]detail{{"messages[0].type", "Must be one of the following values: [text, textV2, image, video, audio, location, sticker, imagemap, template, flex, coupon]"}}},
		{"push: message without a type", "/v2/bot/message/push", `{` + to + `,"messages":[{"text":"x"}]}`,
			"The request body has 1 error(s)",
			[]detail{{"messages[0].type", "Must be one of the following values: [text, textV2, image, video, audio, location, sticker, imagemap, template, flex, coupon]"}}},
		{"push: image without its preview", "/v2/bot/message/push", `{` + to + `,"messages":[{"type":"image","originalContentUrl":"https://example.com/a.jpg"}]}`,
			"The request body has 1 error(s)", []detail{{"messages[0].previewImageUrl", "May not be empty"}}},
		{"multicast: no recipients", "/v2/bot/message/multicast", `{"to":[],"messages":[{"type":"text","text":"x"}]}`,
			"The request body has 1 error(s)", []detail{{"to", "Size must be between 1 and 500"}}},
		{"multicast: 501 recipients", "/v2/bot/message/multicast", `{"to":[` + strings.Repeat(`"`+friend.UserID+`",`, 500) + `"` + friend.UserID + `"],"messages":[{"type":"text","text":"x"}]}`,
			"The request body has 1 error(s)", []detail{{"to", "Size must be between 1 and 500"}}},
		{"multicast: a recipient that is not a user ID", "/v2/bot/message/multicast", `{"to":["` + friend.UserID + `","Cgroup"],"messages":[{"type":"text","text":"x"}]}`,
			"The request body has 1 error(s)", []detail{{"to[1]", "Must be a valid user ID"}}},
		{"reply: no messages", "/v2/bot/message/reply", `{"replyToken":"abc","messages":[]}`,
			"The request body has 1 error(s)", []detail{{"messages", "Size must be between 1 and 5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e, _ := raw(t, srv, http.MethodPost, tt.path, ch.Token(), tt.body, nil)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", status)
			}
			checkError(t, e, tt.message, tt.details)
		})
	}
	if got := len(srv.Delivered(friend.UserID)); got != 0 {
		t.Errorf("delivered %d, want 0", got)
	}
}

func TestValidation_EveryMessageTypeTheSDKBuildsIsAccepted(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	messages := []messaging_api.MessageInterface{
		&messaging_api.TextMessage{Text: strings.Repeat("a", 5000)},
		&messaging_api.StickerMessage{PackageId: "446", StickerId: "1988"},
		&messaging_api.ImageMessage{OriginalContentUrl: "https://example.com/a.jpg", PreviewImageUrl: "https://example.com/p.jpg"},
		&messaging_api.LocationMessage{Title: "Shop", Address: "Tokyo", Latitude: 35.68, Longitude: 139.76},
		&messaging_api.TemplateMessage{AltText: "Pick one", Template: &messaging_api.ConfirmTemplate{
			Text: "Sure?",
			Actions: []messaging_api.ActionInterface{
				&messaging_api.MessageAction{Label: "Yes", Text: "yes"},
				&messaging_api.MessageAction{Label: "No", Text: "no"},
			},
		}},
	}
	if _, _, err := bot.PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: friend.UserID, Messages: messages}, ""); err != nil {
		t.Fatalf("push: %v", err)
	}
	got := srv.Delivered(friend.UserID)
	wantTypes := []string{"text", "sticker", "image", "location", "template"}
	if len(got) != len(wantTypes) {
		t.Fatalf("delivered %d, want %d", len(got), len(wantTypes))
	}
	for i, m := range got {
		if m.Type != wantTypes[i] {
			t.Errorf("message %d type %q, want %q", i, m.Type, wantTypes[i])
		}
	}
}

func checkError(t *testing.T, got lineError, message string, details []detail) {
	t.Helper()
	if got.Message != message {
		t.Errorf("message %q, want %q", got.Message, message)
	}
	if len(got.Details) != len(details) {
		t.Fatalf("details %+v, want %+v", got.Details, details)
	}
	for i, d := range details {
		if got.Details[i].Property != d.property || got.Details[i].Message != d.message {
			t.Errorf("detail %d = %+v, want %+v", i, got.Details[i], d)
		}
	}
}
