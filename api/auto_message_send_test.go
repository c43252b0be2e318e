package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// withLINE sends test pushes to the fake LINE at url.
func withLINE(url string) option {
	return func(d *api.Deps) {
		d.LINE = &activities.LINE{Store: d.Store, BaseURL: url, Timeout: 2 * time.Second}
	}
}

// preview is the answer of a preview.
type preview struct {
	Messages []map[string]any `json:"messages"`
}

// sendFixture is a workspace with a LINE account (whose token the fake LINE knows), a
// friend of it on both sides, and an auto message that greets by name and field.
type sendFixture struct {
	a       *testAPI
	line    *linefake.Server
	channel *linefake.Channel
	wsID    string
	key     string
	account lineAccount
	friend  models.Friend
	message autoMessage
}

const greetingMessages = `[
  {"type": "text", "text": "Hi {{friend.displayName}}, one {{friend.fields.drink}} for {{friend.fields.age}}?{{trigger.text}}"},
  {"type": "product", "title": "{{friend.fields.drink}} beans", "price": "¥1,200", "imageUrl": "https://cdn.example.com/beans.jpg", "url": "https://shop.example.com/beans"}
]`

func newSendFixture(t *testing.T, db *database.DB) sendFixture {
	t.Helper()
	line := linefake.New()
	t.Cleanup(line.Close)
	channel := line.AddChannel(sampleToken)
	profile := channel.AddFriend(linefake.Profile{DisplayName: "Aiko"})

	a := newTestAPI(t, db, withLINE(line.URL()))
	wsID, key := a.workspace("acme")
	account := a.createAccount(key, "Cafe", "1650000000")
	ctx := context.Background()
	friend, err := a.store.UpsertFriend(ctx, wsID, account.ID, profile.UserID, models.FriendProfile{DisplayName: "Aiko"})
	if err != nil {
		t.Fatal(err)
	}
	for field, value := range map[string]any{"drink": "Coffee", "age": 31} {
		if err := a.store.SetFriendField(ctx, wsID, friend.ID, field, value); err != nil {
			t.Fatal(err)
		}
	}
	res := a.do(http.MethodPost, "/v1/auto-messages", key, `{"name": "Greeting", "messages": `+greetingMessages+`}`)
	res.wantStatus(t, http.StatusCreated)
	var message autoMessage
	res.decode(t, &message)
	return sendFixture{a: a, line: line, channel: channel, wsID: wsID, key: key, account: account, friend: friend, message: message}
}

func (f sendFixture) preview(t *testing.T, body string) preview {
	t.Helper()
	res := f.a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/preview", f.key, body)
	res.wantStatus(t, http.StatusOK)
	var p preview
	res.decode(t, &p)
	return p
}

func TestAutoMessages_PreviewRendersForTheFriendOrForNobody(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newSendFixture(t, db)

		got := f.preview(t, `{"friendId": "`+f.friend.ID+`"}`)
		if len(got.Messages) != 2 || got.Messages[0]["text"] != "Hi Aiko, one Coffee for 31?" {
			t.Fatalf("preview for Aiko = %+v", got)
		}
		// The product card is the flex message a step sends.
		if got.Messages[1]["type"] != "flex" || got.Messages[1]["altText"] != "Coffee beans" {
			t.Fatalf("product card = %+v", got.Messages[1])
		}

		for _, body := range []string{"", "{}", `{"friendId": null}`} {
			got := f.preview(t, body)
			if len(got.Messages) != 2 || got.Messages[0]["text"] != "Hi , one  for ?" || got.Messages[1]["altText"] != " beans" {
				t.Fatalf("preview for nobody (body %q) = %+v", body, got)
			}
		}
		if len(f.line.Calls()) != 0 {
			t.Errorf("a preview called LINE: %+v", f.line.Calls())
		}
	})
}

func TestAutoMessages_PreviewAndTestRefusals(t *testing.T) {
	f := newSendFixture(t, testenv.SQLite(t))
	a := f.a
	otherID, otherKey := a.workspace("other")
	theirAccount := a.createAccount(otherKey, "Theirs", "1650000009")
	theirFriend, err := a.store.UpsertFriend(context.Background(), otherID, theirAccount.ID, linefake.NewUserID(), models.FriendProfile{})
	if err != nil {
		t.Fatal(err)
	}

	for _, route := range []string{"preview", "test"} {
		path := "/v1/auto-messages/" + f.message.ID + "/" + route
		a.do(http.MethodPost, "/v1/auto-messages/nope/"+route, f.key, `{"friendId": "`+f.friend.ID+`"}`).wantError(t, http.StatusNotFound, "not_found")
		// Another workspace's auto message is a 404 before the body is read.
		a.do(http.MethodPost, path, otherKey, `{"friendId": "`+theirFriend.ID+`"}`).wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodPost, path, f.key, `{"friendId": `).wantError(t, http.StatusBadRequest, "malformed_json")
		for body, want := range map[string]string{
			`{"friendId": "nope"}`:                   "no friend",
			`{"friendId": "` + theirFriend.ID + `"}`: "no friend",
			`{"friendId": " "}`:                      "blank",
		} {
			got := a.do(http.MethodPost, path, f.key, body).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
			if !strings.Contains(got.Fields["friendId"], want) {
				t.Errorf("%s %s: fields = %v", route, body, got.Fields)
			}
		}
		a.do(http.MethodPost, path, f.key, `{"friend": "x"}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	}
	// A test send needs its friend.
	for _, body := range []string{"", "{}"} {
		got := a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/test", f.key, body)
		if body == "" {
			got.wantError(t, http.StatusBadRequest, "malformed_json")
			continue
		}
		if e := got.wantError(t, http.StatusUnprocessableEntity, "validation_failed"); e.Fields["friendId"] != "required" {
			t.Errorf("fields = %v", e.Fields)
		}
	}
	// An auto message for another LINE account is not sent to this account's friend.
	other := a.createAccount(f.key, "Other", "1650000001")
	res := a.do(http.MethodPost, "/v1/auto-messages", f.key, fmt.Sprintf(`{"name": "Elsewhere", "lineAccountId": %q, "messages": [{"type": "text", "text": "x"}]}`, other.ID))
	res.wantStatus(t, http.StatusCreated)
	var elsewhere autoMessage
	res.decode(t, &elsewhere)
	got := a.do(http.MethodPost, "/v1/auto-messages/"+elsewhere.ID+"/test", f.key, `{"friendId": "`+f.friend.ID+`"}`).
		wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(got.Fields["friendId"], "another LINE account") {
		t.Errorf("fields = %v", got.Fields)
	}
	if n := len(f.line.Calls()); n != 0 {
		t.Errorf("refused calls reached LINE %d times", n)
	}
}

func TestAutoMessages_TestSendPushesTheRenderedMessagesOnce(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newSendFixture(t, db)
		res := f.a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/test", f.key, `{"friendId": "`+f.friend.ID+`"}`)
		res.wantStatus(t, http.StatusOK)
		var sent struct {
			Sent      int    `json:"sent"`
			RequestID string `json:"requestId"`
		}
		res.decode(t, &sent)
		if sent.Sent != 2 || sent.RequestID == "" {
			t.Fatalf("answer = %s", res.body)
		}

		delivered := f.line.Delivered(f.friend.LineUserID)
		if len(delivered) != 2 {
			t.Fatalf("delivered %d messages, want the 2 of one push: %+v", len(delivered), delivered)
		}
		first := delivered[0]
		if first.Text != "Hi Aiko, one Coffee for 31?" || first.Via != linefake.EndpointPush || first.RequestID != sent.RequestID || first.RetryKey == "" {
			t.Fatalf("first message = %+v", first)
		}
		// Exactly what a preview shows.
		p := f.preview(t, `{"friendId": "`+f.friend.ID+`"}`)
		var card map[string]any
		if err := json.Unmarshal(delivered[1].Message, &card); err != nil || card["altText"] != p.Messages[1]["altText"] || card["type"] != "flex" {
			t.Fatalf("card = %s, preview %+v", delivered[1].Message, p.Messages[1])
		}
		if pushes := len(f.line.CallsTo(linefake.EndpointPush)); pushes != 1 {
			t.Errorf("%d pushes, want 1", pushes)
		}

		// Each test send is a send of its own.
		f.a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/test", f.key, `{"friendId": "`+f.friend.ID+`"}`).wantStatus(t, http.StatusOK)
		if n := len(f.line.Delivered(f.friend.LineUserID)); n != 4 {
			t.Errorf("after a second test send, %d messages delivered; want 4", n)
		}
	})
}

func TestAutoMessages_TestSendMapsWhatLINESays(t *testing.T) {
	f := newSendFixture(t, testenv.SQLite(t))
	a := f.a
	ctx := context.Background()
	send := func(friendID string) response {
		return a.do(http.MethodPost, "/v1/auto-messages/"+f.message.ID+"/test", f.key, `{"friendId": "`+friendID+`"}`)
	}

	// LINE does not know the user: its refusal, in its words.
	stranger, err := a.store.UpsertFriend(ctx, f.wsID, f.account.ID, linefake.NewUserID(), models.FriendProfile{DisplayName: "Stranger"})
	if err != nil {
		t.Fatal(err)
	}
	got := send(stranger.ID).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(got.Message, "Failed to send messages") {
		t.Errorf("refusal = %+v", got)
	}

	// The monthly quota is spent: a conflict with the channel's state.
	f.channel.SetMonthlyQuota(0)
	got = send(f.friend.ID).wantError(t, http.StatusConflict, "conflict")
	if !strings.Contains(got.Message, "monthly limit") {
		t.Errorf("quota = %+v", got)
	}
	f.channel.SetMonthlyQuota(-1)

	// LINE fails, then is down.
	f.line.Inject(linefake.Fault{Endpoint: linefake.EndpointPush, Status: http.StatusInternalServerError})
	got = send(f.friend.ID).wantError(t, http.StatusServiceUnavailable, "unavailable")
	if !strings.Contains(got.Message, "500") {
		t.Errorf("5xx = %+v", got)
	}
	f.line.Close()
	send(f.friend.ID).wantError(t, http.StatusServiceUnavailable, "unavailable")

	// A friend who blocked the account is not pushed to at all.
	if err := a.store.DB().Model(&models.Friend{}).Where("id = ?", f.friend.ID).Update("blocked_at", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	got = send(f.friend.ID).wantError(t, http.StatusConflict, "conflict")
	if !strings.Contains(got.Message, "blocked") {
		t.Errorf("blocked = %+v", got)
	}
	if n := len(f.line.Delivered(f.friend.LineUserID)); n != 0 {
		t.Errorf("%d messages delivered by failed sends", n)
	}
}

func TestAutoMessages_TestSendWithoutLINEIsUnavailable(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	wsID, key := a.workspace("acme")
	account := a.createAccount(key, "Cafe", "1650000000")
	friend, err := a.store.UpsertFriend(context.Background(), wsID, account.ID, linefake.NewUserID(), models.FriendProfile{})
	if err != nil {
		t.Fatal(err)
	}
	m := a.createAutoMessage(key, "Hello")
	a.do(http.MethodPost, "/v1/auto-messages/"+m.ID+"/test", key, `{"friendId": "`+friend.ID+`"}`).wantError(t, http.StatusServiceUnavailable, "unavailable")
	// Previews need no LINE.
	a.do(http.MethodPost, "/v1/auto-messages/"+m.ID+"/preview", key, `{"friendId": "`+friend.ID+`"}`).wantStatus(t, http.StatusOK)
}
