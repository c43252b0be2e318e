package linefake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func reply(bot *messaging_api.MessagingApiAPI, token string, ss ...string) (*http.Response, *messaging_api.ReplyMessageResponse, error) {
	return bot.ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{ReplyToken: token, Messages: texts(ss...)})
}

func TestReply_TokenWorksOnceAndIsFree(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	ch.SetMonthlyQuota(0)
	bot := client(t, srv, ch.Token(), nil)
	token := ch.IssueReplyToken(friend.UserID, 0)

	_, out, err := reply(bot, token, "thanks", "see you")
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if len(out.SentMessages) != 2 {
		t.Errorf("sentMessages = %+v", out.SentMessages)
	}
	got := srv.Delivered(friend.UserID)
	if len(got) != 2 || got[0].Via != linefake.EndpointReply || got[1].Text != "see you" {
		t.Fatalf("delivered %+v", got)
	}

	res, _, err := reply(bot, token, "again")
	if err == nil {
		t.Fatal("second reply with the same token: want an error")
	}
	wantStatus(t, res, http.StatusBadRequest)
	if msg := errorBody(t, res).Message; msg != "Invalid reply token" {
		t.Errorf("message %q", msg)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 2 {
		t.Errorf("delivered %d after the refused reply, want 2", got)
	}
	if ch.QuotaUsed() != 0 {
		t.Errorf("quota used %d, want 0: replies are free", ch.QuotaUsed())
	}
}

func TestReply_InvalidTokens(t *testing.T) {
	clk := newClock()
	srv, ch := start(t, linefake.WithClock(clk.Now), linefake.WithReplyTokenTTL(30*time.Second))
	friend := ch.AddFriend(linefake.Profile{})
	other := srv.AddChannel("channel-token-2")
	bot := client(t, srv, ch.Token(), nil)

	expiredDefault := ch.IssueReplyToken(friend.UserID, 0)
	expiredOwn := ch.IssueReplyToken(friend.UserID, 10*time.Second)
	alive := ch.IssueReplyToken(friend.UserID, time.Minute)
	clk.Advance(30 * time.Second)

	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"token past the server's default TTL", expiredDefault, http.StatusBadRequest},
		{"token past its own TTL", expiredOwn, http.StatusBadRequest},
		{"token never issued", "0123456789abcdef0123456789abcdef", http.StatusBadRequest},
		{"empty token", "", http.StatusBadRequest},
		{"token of another channel", other.IssueReplyToken(friend.UserID, 0), http.StatusBadRequest},
		{"token still within its TTL", alive, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, _ := reply(bot, tt.token, "hi")
			wantStatus(t, res, tt.want)
			if tt.want == http.StatusBadRequest {
				if msg := errorBody(t, res).Message; msg != "Invalid reply token" {
					t.Errorf("message %q", msg)
				}
			}
		})
	}
}
