package linefake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestRateLimit_429BeyondTheLimitUntilTheSecondHasPassed(t *testing.T) {
	clk := newClock()
	srv, ch := start(t, linefake.WithClock(clk.Now))
	ch.SetRateLimit(3)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)

	for i := range 3 {
		if _, _, err := push(bot, friend.UserID, "", "x"); err != nil {
			t.Fatalf("push %d within the limit: %v", i, err)
		}
	}
	key := uuid.NewString()
	res, _, err := push(bot, friend.UserID, key, "over")
	if err == nil {
		t.Fatal("fourth push in the second: want an error")
	}
	wantStatus(t, res, http.StatusTooManyRequests)
	if msg := errorBody(t, res).Message; msg != "The API rate limit has been exceeded. Try again later." {
		t.Errorf("message %q", msg)
	}

	// Other endpoints have their own window.
	if _, err := bot.GetProfile(friend.UserID); err != nil {
		t.Errorf("profile while push is limited: %v", err)
	}

	clk.Advance(time.Second)
	if _, _, err := push(bot, friend.UserID, key, "over"); err != nil {
		t.Fatalf("push a second later with the refused request's key: %v", err)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 4 {
		t.Errorf("delivered %d, want 4", got)
	}
}

func TestMonthlyQuota_429WhenExhaustedRepliesStillFreeAndNextMonthResets(t *testing.T) {
	clk := newClock()
	srv, ch := start(t, linefake.WithClock(clk.Now))
	ch.SetMonthlyQuota(2)
	a := ch.AddFriend(linefake.Profile{})
	b := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)

	if _, _, err := push(bot, a.UserID, "", "1"); err != nil {
		t.Fatal(err)
	}
	// Two recipients with one message left: the whole multicast is refused.
	res, _, err := bot.MulticastWithHttpInfo(&messaging_api.MulticastRequest{To: []string{a.UserID, b.UserID}, Messages: texts("m")}, "")
	if err == nil {
		t.Fatal("multicast beyond the quota: want an error")
	}
	wantStatus(t, res, http.StatusTooManyRequests)
	if msg := errorBody(t, res).Message; msg != "You have reached your monthly limit." {
		t.Errorf("message %q", msg)
	}
	if _, _, err := push(bot, b.UserID, "", "2"); err != nil {
		t.Fatalf("push using the last message: %v", err)
	}
	res, _, _ = push(bot, b.UserID, "", "3")
	wantStatus(t, res, http.StatusTooManyRequests)

	if _, _, err := reply(bot, ch.IssueReplyToken(a.UserID, 0), "free"); err != nil {
		t.Errorf("reply with the quota spent: %v", err)
	}
	if ch.QuotaUsed() != 2 {
		t.Errorf("quota used %d, want 2", ch.QuotaUsed())
	}

	clk.Advance(31 * 24 * time.Hour)
	if _, _, err := push(bot, b.UserID, "", "april"); err != nil {
		t.Fatalf("push next month: %v", err)
	}
	if ch.QuotaUsed() != 1 {
		t.Errorf("quota used next month %d, want 1", ch.QuotaUsed())
	}
}
