package linefake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestRetryKey_RepeatGets409WithAcceptedRequestIDAndIsNotDeliveredAgain(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()

	first, out, err := push(bot, friend.UserID, key, "once")
	if err != nil {
		t.Fatalf("first push: %v", err)
	}
	firstID := first.Header.Get("X-Line-Request-Id")

	for attempt := range 2 {
		res, _, err := push(bot, friend.UserID, key, "once")
		if err == nil {
			t.Fatalf("repeat %d: want an error", attempt)
		}
		wantStatus(t, res, http.StatusConflict)
		if got := res.Header.Get("X-Line-Accepted-Request-Id"); got != firstID {
			t.Errorf("X-Line-Accepted-Request-Id = %q, want the first request's %q", got, firstID)
		}
		if got := res.Header.Get("X-Line-Request-Id"); got == "" || got == firstID {
			t.Errorf("repeat's X-Line-Request-Id = %q, want a fresh one", got)
		}
		body := errorBody(t, res)
		if body.Message != "The retry key is already accepted" {
			t.Errorf("message %q", body.Message)
		}
		if len(body.SentMessages) != 1 || body.SentMessages[0].ID != out.SentMessages[0].Id {
			t.Errorf("409 sentMessages = %+v, want the first push's %+v", body.SentMessages, out.SentMessages)
		}
	}
	if got := srv.Delivered(friend.UserID); len(got) != 1 {
		t.Errorf("delivered %d messages, want 1", len(got))
	}
	if ch.QuotaUsed() != 1 {
		t.Errorf("quota used %d, want 1", ch.QuotaUsed())
	}
	calls := srv.CallsTo(linefake.EndpointPush)
	if len(calls) != 3 || calls[1].AcceptedRequestID != firstID || calls[1].Processed {
		t.Errorf("recorded calls %+v", calls)
	}
}

func TestRetryKey_MulticastRepeatGets409(t *testing.T) {
	srv, ch := start(t)
	a := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()
	req := &messaging_api.MulticastRequest{To: []string{a.UserID}, Messages: texts("x")}

	first, _, err := bot.MulticastWithHttpInfo(req, key)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := bot.MulticastWithHttpInfo(req, key)
	if err == nil {
		t.Fatal("repeat: want an error")
	}
	wantStatus(t, res, http.StatusConflict)
	if res.Header.Get("X-Line-Accepted-Request-Id") != first.Header.Get("X-Line-Request-Id") {
		t.Error("accepted request ID does not name the first multicast")
	}
	if got := len(srv.Delivered(a.UserID)); got != 1 {
		t.Errorf("delivered %d, want 1", got)
	}
}

func TestRetryKey_WithoutAKeyARepeatIsDeliveredTwice(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	for range 2 {
		if _, _, err := push(bot, friend.UserID, "", "dup"); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Delivered(friend.UserID)); got != 2 {
		t.Errorf("delivered %d, want 2", got)
	}
}

func TestRetryKey_MustBeAUUID(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	for _, key := range []string{"not-a-uuid", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"} {
		t.Run(key, func(t *testing.T) {
			res, _, err := push(bot, friend.UserID, key, "x")
			if err == nil {
				t.Fatal("want an error")
			}
			wantStatus(t, res, http.StatusBadRequest)
		})
	}
	if got := len(srv.Delivered(friend.UserID)); got != 0 {
		t.Errorf("delivered %d, want 0", got)
	}
}

func TestRetryKey_OnReplyIsRejectedAndTheTokenStaysUnused(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	token := ch.IssueReplyToken(friend.UserID, 0)
	body := `{"replyToken":"` + token + `","messages":[{"type":"text","text":"hi"}]}`

	status, _, _ := raw(t, srv, http.MethodPost, "/v2/bot/message/reply", ch.Token(), body,
		http.Header{"X-Line-Retry-Key": {uuid.NewString()}})
	if status != http.StatusBadRequest {
		t.Fatalf("reply with a retry key: status %d, want 400", status)
	}
	status, _, _ = raw(t, srv, http.MethodPost, "/v2/bot/message/reply", ch.Token(), body, nil)
	if status != http.StatusOK {
		t.Fatalf("reply without the key: status %d, want 200", status)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 1 {
		t.Errorf("delivered %d, want 1", got)
	}
}

func TestRetryKey_ARefusedRequestDoesNotUseTheKey(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()

	res, _, _ := push(bot, friend.UserID, key, "")
	wantStatus(t, res, http.StatusBadRequest)
	if _, _, err := push(bot, friend.UserID, key, "fixed"); err != nil {
		t.Fatalf("push after a 400 with the same key: %v", err)
	}
	if got := srv.Delivered(friend.UserID); len(got) != 1 || got[0].Text != "fixed" {
		t.Errorf("delivered %+v", got)
	}
}

func TestRetryKey_ForgottenAfterItsTTL(t *testing.T) {
	clk := newClock()
	srv, ch := start(t, linefake.WithClock(clk.Now))
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()

	if _, _, err := push(bot, friend.UserID, key, "x"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(24*time.Hour - time.Second)
	res, _, _ := push(bot, friend.UserID, key, "x")
	wantStatus(t, res, http.StatusConflict)

	clk.Advance(time.Second)
	if _, _, err := push(bot, friend.UserID, key, "x"); err != nil {
		t.Fatalf("push 24 h later: %v", err)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 2 {
		t.Errorf("delivered %d, want 2", got)
	}
}
