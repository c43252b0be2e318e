package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// lineFixture is a workspace whose LINE account is a channel of a fake LINE, with one
// friend, and the LINE activities pointed at the fake.
type lineFixture struct {
	ctx     context.Context
	store   *models.Store
	ws      models.Workspace
	srv     *linefake.Server
	ch      *linefake.Channel
	account models.LineAccount
	friend  linefake.Profile
	line    *activities.LINE
}

func newLineFixture(t *testing.T) *lineFixture {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, testenv.SQLite(t))
	ws, _ := testenv.Workspace(t, store, "acme")
	srv := linefake.New()
	t.Cleanup(srv.Close)
	ch := srv.AddChannel("token-" + uuid.NewString())
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Acme shop", ChannelID: "1650000000", ChannelSecret: "secret", ChannelAccessToken: ch.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &lineFixture{
		ctx: ctx, store: store, ws: ws, srv: srv, ch: ch, account: account,
		friend: ch.AddFriend(linefake.Profile{DisplayName: "Aiko"}),
		line:   &activities.LINE{Store: store, BaseURL: srv.URL(), Timeout: 2 * time.Second},
	}
}

func (f *lineFixture) to(userID string) activities.Recipient {
	return activities.Recipient{WorkspaceID: f.ws.ID, LineAccountID: f.account.ID, FriendID: "friend-1", LineUserID: userID}
}

func (f *lineFixture) push(messages ...json.RawMessage) activities.PushInput {
	return activities.PushInput{Recipient: f.to(f.friend.UserID), Messages: messages, RetryKey: uuid.NewString()}
}

func text(s string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"text","text":%q}`, s))
}

// flexCard is a flex message as a product card renders it: fields the SDK's own flex
// structs would add zero values to ("flex": 0 changes a box's layout).
var flexCard = json.RawMessage(`{"type": "flex", "altText": "New arrival",
  "contents": {"type": "bubble", "body": {"type": "box", "layout": "horizontal",
    "contents": [{"type": "text", "text": "Linen shirt"}, {"type": "text", "text": "¥4,900", "align": "end"}]}}}`)

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// appError is err's ApplicationError; the test fails when there is none.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("err = %v (%T), want an ApplicationError", err, err)
	}
	return appErr
}

// wantRetryable fails the test unless Temporal would retry err.
func wantRetryable(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error, want a retryable one")
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		t.Fatalf("err = %v is non-retryable (%s)", err, appErr.Type())
	}
}

func TestPush_DeliversTheMessagesAsTheyAreWithTheRetryKey(t *testing.T) {
	f := newLineFixture(t)
	in := f.push(text("Welcome, Aiko!"), flexCard)

	got, err := f.line.Push(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}

	calls := f.srv.CallsTo(linefake.EndpointPush)
	if len(calls) != 1 {
		t.Fatalf("%d push calls, want 1", len(calls))
	}
	want := activities.SendResult{API: "push", Messages: 2, RequestID: calls[0].RequestID}
	if got != want || got.RequestID == "" {
		t.Errorf("result %+v, want %+v", got, want)
	}
	delivered := f.srv.Delivered(f.friend.UserID)
	if len(delivered) != 2 {
		t.Fatalf("%d messages delivered, want 2", len(delivered))
	}
	for i, m := range delivered {
		if m.Via != linefake.EndpointPush || m.RetryKey != in.RetryKey || m.Channel != f.ch.Token() {
			t.Errorf("message %d went %s with retry key %q", i, m.Via, m.RetryKey)
		}
		if !sameJSON(m.Message, in.Messages[i]) {
			t.Errorf("message %d changed on the way:\n sent %s\n  got %s", i, in.Messages[i], m.Message)
		}
	}
}

func TestPush_ARepeatedRetryKeyIsSuccessWithTheFirstRequestID(t *testing.T) {
	cases := []struct {
		name  string
		fault *linefake.Fault
	}{
		{"the first answer arrived", nil},
		// LINE sent the message, then the answer was lost: the case retry keys exist for.
		{"the first answer was a 503 after sending", &linefake.Fault{Endpoint: linefake.EndpointPush, Status: 503, AfterProcessing: true}},
		{"the first answer never came", &linefake.Fault{Endpoint: linefake.EndpointPush, Hang: true, AfterProcessing: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newLineFixture(t)
			f.line.Timeout = 300 * time.Millisecond
			in := f.push(text("Your order has shipped"))
			if c.fault != nil {
				f.srv.Inject(*c.fault)
				_, err := f.line.Push(f.ctx, in)
				wantRetryable(t, err)
			} else if _, err := f.line.Push(f.ctx, in); err != nil {
				t.Fatal(err)
			}

			got, err := f.line.Push(f.ctx, in) // Temporal's retry, same input
			if err != nil {
				t.Fatalf("repeat: %v", err)
			}

			calls := f.srv.CallsTo(linefake.EndpointPush)
			if len(calls) != 2 || calls[1].Status != http.StatusConflict {
				t.Fatalf("calls %+v, want the second answered 409", calls)
			}
			want := activities.SendResult{API: "push", Messages: 1, RequestID: calls[0].RequestID}
			if got != want {
				t.Errorf("repeat result %+v, want %+v (the first request's ID)", got, want)
			}
			if n := len(f.srv.Delivered(f.friend.UserID)); n != 1 {
				t.Errorf("%d messages delivered, want 1", n)
			}
		})
	}
}

func TestReply_UsesTheReplyTokenOnce(t *testing.T) {
	f := newLineFixture(t)
	token := f.ch.IssueReplyToken(f.friend.UserID, 0)
	in := activities.ReplyInput{Recipient: f.to(f.friend.UserID), ReplyToken: token, Messages: []json.RawMessage{text("Thanks!")}}

	got, err := f.line.Reply(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.srv.CallsTo(linefake.EndpointReply)
	if want := (activities.SendResult{API: "reply", Messages: 1, RequestID: calls[0].RequestID}); got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
	if d := f.srv.Delivered(f.friend.UserID); len(d) != 1 || d[0].Via != linefake.EndpointReply || d[0].Text != "Thanks!" {
		t.Errorf("delivered %+v", d)
	}
	if h := calls[0].Header.Get("X-Line-Retry-Key"); h != "" {
		t.Errorf("reply sent X-Line-Retry-Key %q; LINE refuses it there", h)
	}

	expired := f.ch.IssueReplyToken(f.friend.UserID, time.Nanosecond)
	time.Sleep(time.Millisecond)
	for name, token := range map[string]string{"used": token, "expired": expired, "unknown": "nope", "empty": ""} {
		in.ReplyToken = token
		_, err := f.line.Reply(f.ctx, in)
		appErr := appError(t, err)
		if appErr.Type() != activities.ErrReplyTokenInvalid || !appErr.NonRetryable() {
			t.Errorf("%s token: %s (non-retryable %v), want non-retryable %s", name, appErr.Type(), appErr.NonRetryable(), activities.ErrReplyTokenInvalid)
		}
	}
	if n := len(f.srv.Delivered(f.friend.UserID)); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

func TestReply_TellsOnWhichAttemptTheTokenWasRefused(t *testing.T) {
	f := newLineFixture(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(f.line)

	_, err := env.ExecuteActivity(f.line.Reply, activities.ReplyInput{
		Recipient: f.to(f.friend.UserID), ReplyToken: "used-or-expired", Messages: []json.RawMessage{text("Hi")},
	})

	appErr := appError(t, err)
	var attempt int32
	if appErr.Type() != activities.ErrReplyTokenInvalid || appErr.Details(&attempt) != nil || attempt != 1 {
		t.Errorf("err %v, attempt %d; want %s on attempt 1", err, attempt, activities.ErrReplyTokenInvalid)
	}
}

func TestLINE_ClassifiesLINEsAnswers(t *testing.T) {
	type outcome struct {
		errType      string // "" for a retryable error that is not an ApplicationError
		nonRetryable bool
		retryDelay   time.Duration
		mentions     string
	}
	cases := []struct {
		name  string
		setup func(f *lineFixture)
		call  func(f *lineFixture) error
		want  outcome
	}{
		{
			name: "400 invalid message",
			call: pushing(text("")),
			want: outcome{activities.ErrLineRejected, true, 0, "messages[0].text"},
		},
		{
			name: "400 a user who is not a friend",
			call: func(f *lineFixture) error {
				_, err := f.line.Push(f.ctx, activities.PushInput{Recipient: f.to(linefake.NewUserID()), Messages: []json.RawMessage{text("Hi")}, RetryKey: uuid.NewString()})
				return err
			},
			want: outcome{activities.ErrLineRejected, true, 0, "Failed to send messages"},
		},
		{
			name: "401 a token LINE does not know",
			setup: func(f *lineFixture) {
				if _, err := f.store.UpdateLineAccount(f.ctx, f.ws.ID, f.account.ID, models.LineAccountInput{ChannelAccessToken: "revoked-token"}); err != nil {
					panic(err)
				}
			},
			call: pushing(text("Hi")),
			want: outcome{activities.ErrLineRejected, true, 0, "401"},
		},
		{
			name:  "403 not allowed",
			setup: inject(linefake.Fault{Status: 403, Message: "Access to this API is not available for your account"}),
			call:  pushing(text("Hi")),
			want:  outcome{activities.ErrLineRejected, true, 0, "not available for your account"},
		},
		{
			name: "404 unknown rich menu",
			call: func(f *lineFixture) error {
				return f.line.LinkRichMenu(f.ctx, activities.RichMenuInput{Recipient: f.to(f.friend.UserID), RichMenuID: "richmenu-00000000000000000000000000000000"})
			},
			want: outcome{activities.ErrLineRejected, true, 0, "404"},
		},
		{
			name:  "429 monthly quota spent",
			setup: func(f *lineFixture) { f.ch.SetMonthlyQuota(0) },
			call:  pushing(text("Hi")),
			want:  outcome{activities.ErrLineQuotaExceeded, true, 0, "monthly limit"},
		},
		{
			name:  "429 rate limit with Retry-After",
			setup: inject(linefake.Fault{Status: 429, RetryAfter: 7 * time.Second}),
			call:  pushing(text("Hi")),
			want:  outcome{activities.ErrLineRateLimited, false, 7 * time.Second, "rate limit"},
		},
		{
			name:  "429 rate limit without Retry-After",
			setup: func(f *lineFixture) { f.ch.SetRateLimit(1); _, _ = f.line.Push(f.ctx, f.push(text("first"))) },
			call:  pushing(text("second")),
			want:  outcome{activities.ErrLineRateLimited, false, 0, "rate limit"},
		},
		{
			name:  "503",
			setup: inject(linefake.Fault{Status: 503}),
			call:  pushing(text("Hi")),
			want:  outcome{"", false, 0, "503"},
		},
		{
			name:  "500 on a rich menu",
			setup: inject(linefake.Fault{Endpoint: linefake.EndpointUnlinkRichMenu, Status: 500}),
			call: func(f *lineFixture) error {
				return f.line.UnlinkRichMenu(f.ctx, activities.RichMenuInput{Recipient: f.to(f.friend.UserID)})
			},
			want: outcome{"", false, 0, "500"},
		},
		{
			name:  "no answer before the timeout",
			setup: inject(linefake.Fault{Hang: true}),
			call:  pushing(text("Hi")),
			want:  outcome{"", false, 0, "deadline exceeded"},
		},
		{
			name: "connection refused",
			setup: func(f *lineFixture) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					panic(err)
				}
				f.line.BaseURL = "http://" + l.Addr().String()
				l.Close()
			},
			call: pushing(text("Hi")),
			want: outcome{"", false, 0, "connect"},
		},
		{
			name: "a LINE account of another workspace",
			call: func(f *lineFixture) error {
				other, _ := testenv.Workspace(t, f.store, "globex")
				in := f.push(text("Hi"))
				in.Recipient.WorkspaceID = other.ID
				_, err := f.line.Push(f.ctx, in)
				return err
			},
			want: outcome{activities.ErrNotFound, true, 0, "not found"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newLineFixture(t)
			f.line.Timeout = 300 * time.Millisecond
			if c.setup != nil {
				c.setup(f)
			}
			start := time.Now()
			err := c.call(f)
			if err == nil {
				t.Fatal("no error")
			}
			// Far above the 300 ms timeout, so only a call that ignores it fails here.
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if !strings.Contains(err.Error(), c.want.mentions) {
				t.Errorf("error %q does not mention %q", err, c.want.mentions)
			}
			if strings.Contains(err.Error(), f.ch.Token()) || strings.Contains(err.Error(), "revoked-token") {
				t.Errorf("error %q shows the access token", err)
			}
			var appErr *temporal.ApplicationError
			isApp := errors.As(err, &appErr)
			switch {
			case c.want.errType == "":
				if isApp {
					t.Errorf("err = %v is an ApplicationError of type %s, want a plain retryable error", err, appErr.Type())
				}
			case !isApp:
				t.Errorf("err = %v (%T), want an ApplicationError %s", err, err, c.want.errType)
			default:
				if _, direct := err.(*temporal.ApplicationError); !direct {
					t.Errorf("err = %v wraps its ApplicationError; a local activity's retry would miss its NextRetryDelay", err)
				}
				if appErr.Type() != c.want.errType || appErr.NonRetryable() != c.want.nonRetryable || appErr.NextRetryDelay() != c.want.retryDelay {
					t.Errorf("err = %v: type %s, non-retryable %v, next retry delay %s; want %s, %v, %s",
						err, appErr.Type(), appErr.NonRetryable(), appErr.NextRetryDelay(),
						c.want.errType, c.want.nonRetryable, c.want.retryDelay)
				}
			}
		})
	}
}

func pushing(messages ...json.RawMessage) func(f *lineFixture) error {
	return func(f *lineFixture) error {
		_, err := f.line.Push(f.ctx, f.push(messages...))
		return err
	}
}

func inject(fault linefake.Fault) func(f *lineFixture) {
	return func(f *lineFixture) { f.srv.Inject(fault) }
}

func TestLINE_RateLimitDelayReachesTemporal(t *testing.T) {
	f := newLineFixture(t)
	f.srv.Inject(linefake.Fault{Status: 429, RetryAfter: 3 * time.Second})
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(f.line)

	_, err := env.ExecuteActivity(f.line.Push, f.push(text("Hi")))

	appErr := appError(t, err)
	if appErr.Type() != activities.ErrLineRateLimited || appErr.NonRetryable() || appErr.NextRetryDelay() != 3*time.Second {
		t.Errorf("err = %v: type %s, non-retryable %v, delay %s", err, appErr.Type(), appErr.NonRetryable(), appErr.NextRetryDelay())
	}
}

func TestLINE_RefusesWhatLINEWouldRefuseWithoutCallingIt(t *testing.T) {
	f := newLineFixture(t)
	six := make([]json.RawMessage, 6)
	for i := range six {
		six[i] = text("hi")
	}
	for name, in := range map[string]activities.PushInput{
		"no messages":     {Recipient: f.to(f.friend.UserID), RetryKey: uuid.NewString()},
		"six messages":    {Recipient: f.to(f.friend.UserID), Messages: six, RetryKey: uuid.NewString()},
		"not an object":   {Recipient: f.to(f.friend.UserID), Messages: []json.RawMessage{json.RawMessage(`"hi"`)}, RetryKey: uuid.NewString()},
		"no type":         {Recipient: f.to(f.friend.UserID), Messages: []json.RawMessage{json.RawMessage(`{"text":"hi"}`)}, RetryKey: uuid.NewString()},
		"no retry key":    {Recipient: f.to(f.friend.UserID), Messages: []json.RawMessage{text("hi")}},
		"no LINE user ID": {Recipient: f.to(""), Messages: []json.RawMessage{text("hi")}, RetryKey: uuid.NewString()},
		"a path in the user ID": {Recipient: f.to("../../v2/bot/message/broadcast"), Messages: []json.RawMessage{text("hi")},
			RetryKey: uuid.NewString()},
	} {
		_, err := f.line.Push(f.ctx, in)
		appErr := appError(t, err)
		if appErr.Type() != activities.ErrLineRejected || !appErr.NonRetryable() {
			t.Errorf("%s: %v (%s), want non-retryable %s", name, err, appErr.Type(), activities.ErrLineRejected)
		}
	}
	if calls := f.srv.Calls(); len(calls) != 0 {
		t.Errorf("%d calls reached LINE", len(calls))
	}
}

func TestLINE_UsesARotatedTokenAtOnce(t *testing.T) {
	f := newLineFixture(t)
	if _, err := f.line.Push(f.ctx, f.push(text("before"))); err != nil {
		t.Fatal(err)
	}
	rotated := f.srv.AddChannel("rotated-" + uuid.NewString())
	rotated.AddFriend(f.friend)
	if _, err := f.store.UpdateLineAccount(f.ctx, f.ws.ID, f.account.ID, models.LineAccountInput{ChannelAccessToken: rotated.Token()}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.line.Push(f.ctx, f.push(text("after"))); err != nil {
		t.Fatal(err)
	}

	var channels []string
	for _, m := range f.srv.Delivered(f.friend.UserID) {
		channels = append(channels, m.Channel)
	}
	if want := []string{f.ch.Token(), rotated.Token()}; !reflect.DeepEqual(channels, want) {
		t.Errorf("sent with tokens %q, want %q", channels, want)
	}
}

func TestRichMenu_LinkAndUnlinkAreRepeatable(t *testing.T) {
	f := newLineFixture(t)
	menu := f.ch.AddRichMenu("")
	in := activities.RichMenuInput{Recipient: f.to(f.friend.UserID), RichMenuID: menu}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"link", func() error { return f.line.LinkRichMenu(f.ctx, in) }, menu},
		{"link again", func() error { return f.line.LinkRichMenu(f.ctx, in) }, menu},
		{"unlink", func() error { return f.line.UnlinkRichMenu(f.ctx, in) }, ""},
		{"unlink again", func() error { return f.line.UnlinkRichMenu(f.ctx, in) }, ""},
		{"link", func() error { return f.line.LinkRichMenu(f.ctx, in) }, menu},
		{"link with no menu unlinks", func() error {
			return f.line.LinkRichMenu(f.ctx, activities.RichMenuInput{Recipient: in.Recipient})
		}, ""},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := f.ch.RichMenuOf(f.friend.UserID); got != s.want {
			t.Errorf("%s: linked %q, want %q", s.name, got, s.want)
		}
	}
}

func TestLINE_ManyJourneysPushAtOnce(t *testing.T) {
	f := newLineFixture(t)
	const journeys = 60
	friends := make([]linefake.Profile, journeys)
	for i := range friends {
		friends[i] = f.ch.AddFriend(linefake.Profile{DisplayName: fmt.Sprint("friend ", i)})
	}
	// A second account in the same workspace, so clients of two tokens are in play.
	ch2 := f.srv.AddChannel("second-" + uuid.NewString())
	account2, err := f.store.CreateLineAccount(f.ctx, f.ws.ID, models.LineAccountInput{
		Name: "Acme cafe", ChannelID: "1650000001", ChannelSecret: "s", ChannelAccessToken: ch2.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range friends {
		ch2.AddFriend(p)
	}

	var wg sync.WaitGroup
	errs := make(chan error, journeys)
	for i, p := range friends {
		wg.Go(func() {
			in := activities.PushInput{Recipient: f.to(p.UserID), Messages: []json.RawMessage{text(p.DisplayName)}, RetryKey: uuid.NewString()}
			if i%2 == 1 {
				in.Recipient.LineAccountID = account2.ID
			}
			// Each journey's own deadline must govern its own call only.
			ctx, cancel := context.WithTimeout(f.ctx, time.Duration(1+i%3)*time.Second)
			defer cancel()
			_, err := f.line.Push(ctx, in)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i, p := range friends {
		d := f.srv.Delivered(p.UserID)
		wantChannel := f.ch.Token()
		if i%2 == 1 {
			wantChannel = ch2.Token()
		}
		if len(d) != 1 || d[0].Text != p.DisplayName || d[0].Channel != wantChannel {
			t.Errorf("friend %d got %+v", i, d)
		}
	}
}
