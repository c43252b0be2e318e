package linefake_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestPush_DeliversInOrderAndRecordsTheCall(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{DisplayName: "Aiko"})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()

	res, out, err := push(bot, friend.UserID, key, "one", "two")
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if len(out.SentMessages) != 2 || out.SentMessages[0].Id == "" || out.SentMessages[0].QuoteToken == "" {
		t.Errorf("sentMessages = %+v, want two with IDs and quote tokens", out.SentMessages)
	}
	requestID := res.Header.Get("X-Line-Request-Id")
	if requestID == "" {
		t.Error("no X-Line-Request-Id on the answer")
	}

	got := srv.Delivered(friend.UserID)
	if len(got) != 2 || got[0].Text != "one" || got[1].Text != "two" {
		t.Fatalf("delivered = %+v, want one, two", got)
	}
	for _, m := range got {
		if m.Via != linefake.EndpointPush || m.RetryKey != key || m.RequestID != requestID || m.Type != "text" || m.Channel != testToken {
			t.Errorf("delivered message %+v: want push with key %s, request %s", m, key, requestID)
		}
	}
	if got[0].MessageID != out.SentMessages[0].Id {
		t.Errorf("delivered message ID %s, answer said %s", got[0].MessageID, out.SentMessages[0].Id)
	}

	calls := srv.CallsTo(linefake.EndpointPush)
	if len(calls) != 1 {
		t.Fatalf("recorded %d push calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Status != http.StatusOK || !c.Processed || c.RetryKey != key || c.Channel != testToken || c.RequestID != requestID || len(c.Body) == 0 {
		t.Errorf("recorded call %+v", c)
	}
	if ch.QuotaUsed() != 1 {
		t.Errorf("quota used %d, want 1 (a push counts one recipient, not two messages)", ch.QuotaUsed())
	}
}

func TestPush_RecipientRules(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	blocker := ch.AddFriend(linefake.Profile{})
	ch.Block(blocker.UserID)
	bot := client(t, srv, ch.Token(), nil)

	tests := []struct {
		name        string
		to          string
		wantStatus  int
		wantMessage string
		delivered   int
	}{
		{"friend receives the message", friend.UserID, http.StatusOK, "", 1},
		{"user who blocked the channel is accepted but not delivered", blocker.UserID, http.StatusOK, "", 0},
		{"user ID unknown to the channel fails to send", linefake.NewUserID(), http.StatusBadRequest, "Failed to send messages", 0},
		{"to that is not a user ID is an invalid property", "Cdeadbeef", http.StatusBadRequest, "The property, 'to', in the request body is invalid (line: -, column: -)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, _ := push(bot, tt.to, "", "hello")
			wantStatus(t, res, tt.wantStatus)
			if tt.wantMessage != "" {
				if got := errorBody(t, res).Message; got != tt.wantMessage {
					t.Errorf("message %q, want %q", got, tt.wantMessage)
				}
			}
			if got := len(srv.Delivered(tt.to)); got != tt.delivered {
				t.Errorf("delivered %d, want %d", got, tt.delivered)
			}
		})
	}
	if ch.QuotaUsed() != 1 {
		t.Errorf("quota used %d, want 1: only the delivered push counts", ch.QuotaUsed())
	}
}

func TestMulticast_DeliversToEachFriendAndSkipsOthers(t *testing.T) {
	srv, ch := start(t)
	a := ch.AddFriend(linefake.Profile{})
	b := ch.AddFriend(linefake.Profile{})
	blocker := ch.AddFriend(linefake.Profile{})
	ch.Block(blocker.UserID)
	stranger := linefake.NewUserID()
	bot := client(t, srv, ch.Token(), nil)

	_, err := bot.Multicast(&messaging_api.MulticastRequest{
		To:       []string{a.UserID, b.UserID, blocker.UserID, stranger},
		Messages: texts("sale"),
	}, uuid.NewString())
	if err != nil {
		t.Fatalf("multicast: %v", err)
	}
	for _, id := range []string{a.UserID, b.UserID} {
		got := srv.Delivered(id)
		if len(got) != 1 || got[0].Text != "sale" || got[0].Via != linefake.EndpointMulticast {
			t.Errorf("%s received %+v, want the multicast", id, got)
		}
	}
	for _, id := range []string{blocker.UserID, stranger} {
		if got := srv.Delivered(id); len(got) != 0 {
			t.Errorf("%s received %+v, want nothing", id, got)
		}
	}
	if ch.QuotaUsed() != 2 {
		t.Errorf("quota used %d, want 2 (one per recipient reached)", ch.QuotaUsed())
	}
}

func TestProfile_FriendsOnly(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{DisplayName: "Aiko", PictureURL: "https://example.com/a.png", StatusMessage: "hi", Language: "ja"})
	blocker := ch.AddFriend(linefake.Profile{DisplayName: "Ken"})
	ch.Block(blocker.UserID)
	bot := client(t, srv, ch.Token(), nil)

	got, err := bot.GetProfile(friend.UserID)
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	want := messaging_api.UserProfileResponse{DisplayName: "Aiko", UserId: friend.UserID, PictureUrl: "https://example.com/a.png", StatusMessage: "hi", Language: "ja"}
	if *got != want {
		t.Errorf("profile = %+v, want %+v", *got, want)
	}

	for name, id := range map[string]string{"blocked": blocker.UserID, "unknown": linefake.NewUserID()} {
		t.Run(name+" user is not found", func(t *testing.T) {
			res, _, err := bot.GetProfileWithHttpInfo(id)
			if err == nil {
				t.Fatal("want an error")
			}
			wantStatus(t, res, http.StatusNotFound)
			if msg := errorBody(t, res).Message; msg != "Not found" {
				t.Errorf("message %q, want Not found", msg)
			}
		})
	}
}

func TestRichMenu_LinkGetUnlink(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	menu := ch.AddRichMenu("")
	bot := client(t, srv, ch.Token(), nil)

	if _, err := bot.LinkRichMenuIdToUser(friend.UserID, menu); err != nil {
		t.Fatalf("link: %v", err)
	}
	if got := ch.RichMenuOf(friend.UserID); got != menu {
		t.Errorf("linked menu %q, want %q", got, menu)
	}
	linked, err := bot.GetRichMenuIdOfUser(friend.UserID)
	if err != nil || linked.RichMenuId != menu {
		t.Errorf("get rich menu of user = %+v, %v; want %s", linked, err, menu)
	}
	if _, err := bot.UnlinkRichMenuIdFromUser(friend.UserID); err != nil {
		t.Fatalf("unlink: %v", err)
	}
	if got := ch.RichMenuOf(friend.UserID); got != "" {
		t.Errorf("after unlink, menu %q", got)
	}
	res, _, err := bot.GetRichMenuIdOfUserWithHttpInfo(friend.UserID)
	if err == nil {
		t.Error("get after unlink: want 404")
	}
	wantStatus(t, res, http.StatusNotFound)

	res, _, err = bot.LinkRichMenuIdToUserWithHttpInfo(friend.UserID, "richmenu-00000000000000000000000000000000")
	if err == nil {
		t.Error("link to an unregistered rich menu: want an error")
	}
	wantStatus(t, res, http.StatusNotFound)
}

func TestQuotaEndpoints_ReportLimitAndUsage(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)

	q, err := bot.GetMessageQuota()
	if err != nil || q.Type != "none" {
		t.Fatalf("quota = %+v, %v; want type none", q, err)
	}
	ch.SetMonthlyQuota(200)
	if _, _, err := push(bot, friend.UserID, "", "x"); err != nil {
		t.Fatal(err)
	}
	q, err = bot.GetMessageQuota()
	if err != nil || q.Type != "limited" || q.Value != 200 {
		t.Errorf("quota = %+v, %v; want limited 200", q, err)
	}
	used, err := bot.GetMessageQuotaConsumption()
	if err != nil || used.TotalUsage != 1 {
		t.Errorf("consumption = %+v, %v; want 1", used, err)
	}
}

func TestRouting_UnknownPathIs404AndWrongMethodIs405(t *testing.T) {
	srv, ch := start(t)
	tests := []struct {
		name, method, path string
		want               int
		wantMessage        string
	}{
		{"unknown path", http.MethodPost, "/v2/bot/message/narrowcast", http.StatusNotFound, "Not found"},
		{"unknown root", http.MethodGet, "/", http.StatusNotFound, "Not found"},
		{"GET on push", http.MethodGet, "/v2/bot/message/push", http.StatusMethodNotAllowed, "The request method, 'GET', is not supported"},
		{"PUT on profile", http.MethodPut, "/v2/bot/profile/" + linefake.NewUserID(), http.StatusMethodNotAllowed, "The request method, 'PUT', is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, header := raw(t, srv, tt.method, tt.path, ch.Token(), "{}", nil)
			if status != tt.want || body.Message != tt.wantMessage {
				t.Errorf("got %d %q, want %d %q", status, body.Message, tt.want, tt.wantMessage)
			}
			if header.Get("X-Line-Request-Id") == "" {
				t.Error("no X-Line-Request-Id")
			}
		})
	}
}

func TestWaitForMessages_ReturnsWhenEnoughArriveOrContextEnds(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)

	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _, _ = push(bot, friend.UserID, "", "late")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := srv.WaitForMessages(ctx, friend.UserID, 1)
	if err != nil || len(got) != 1 || got[0].Text != "late" {
		t.Fatalf("wait = %+v, %v", got, err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	got, err = srv.WaitForMessages(short, friend.UserID, 2)
	if err == nil || len(got) != 1 {
		t.Fatalf("wait for more than arrive = %d messages, %v; want 1 and an error", len(got), err)
	}
}
