package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/models"
)

// ErrLineRateLimited is the type of the retryable error a 429 that is not the monthly
// quota becomes; it carries LINE's Retry-After as its NextRetryDelay.
// (Not in contracts.go yet: the workflow needs no constant to let it be retried.)
const ErrLineRateLimited = "LineRateLimited"

// DefaultLineTimeout bounds one call to LINE when LINE.Timeout is zero.
const DefaultLineTimeout = 10 * time.Second

// maxLineMessages is how many message objects one push or reply may carry.
const maxLineMessages = 5

// LINE holds the activities that call the LINE Messaging API as the friend's LINE
// account, through the LINE SDK's client.
//
// All of them are meant to run as regular activities, not local ones: they cross the
// network to a service that can be slow, answers 429 with a Retry-After that may be
// long, and counts pushes against a quota. A regular activity's retries wait on the
// server, not in a workflow task; any worker may pick them up; a slow LINE holds an
// activity slot, not the journey's workflow task; and the worker's activity rate limits
// can keep a fleet under LINE's 2,000 requests a second. Push carries a retry key, so
// Temporal retrying it is safe. They work as local activities too (their errors are
// returned unwrapped, which is how a local activity's retry finds NextRetryDelay), with
// Timeout kept below the StartToCloseTimeout.
//
// A LINE is safe for concurrent use. Its zero value is not: set Store, and BaseURL to
// the configuration's LineAPIURL.
type LINE struct {
	Store *models.Store
	// BaseURL is the Messaging API's base URL (config.Config.LineAPIURL); empty means
	// https://api.line.me.
	BaseURL string
	// HTTPClient carries every call; nil means http.DefaultClient. Share one, so that
	// connections are pooled across accounts.
	HTTPClient *http.Client
	// Timeout bounds each call to LINE; zero means DefaultLineTimeout.
	Timeout time.Duration

	mu sync.Mutex
	// clients holds one SDK client per LINE account ID, built with the token it was
	// given; a rotated token replaces it on the next call.
	clients map[string]cachedClient
}

type cachedClient struct {
	token string
	api   *messaging_api.MessagingApiAPI
}

// Push sends in.Messages to the friend with the Push API, with in.RetryKey as
// X-Line-Retry-Key: when LINE answers a repeat with 409 the messages went out before,
// and Push succeeds with the first acceptance's request ID.
func (l *LINE) Push(ctx context.Context, in PushInput) (SendResult, error) {
	messages, err := lineMessages(in.Messages)
	if err != nil {
		return SendResult{}, refusedBeforeSending("push", err)
	}
	if in.RetryKey == "" {
		return SendResult{}, refusedBeforeSending("push", errors.New("no retry key: a retried push could send twice"))
	}
	if err := checkUserID(in.Recipient); err != nil {
		return SendResult{}, refusedBeforeSending("push", err)
	}
	api, done, err := l.client(ctx, in.Recipient)
	if err != nil {
		return SendResult{}, err
	}
	defer done()
	res, _, err := api.PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{
		To:       in.Recipient.LineUserID,
		Messages: messages,
	}, in.RetryKey)
	if res != nil && res.StatusCode == http.StatusConflict {
		// The retry key was accepted before: this is a repeat of a push that went out.
		return SendResult{API: "push", Messages: len(messages), RequestID: res.Header.Get("X-Line-Accepted-Request-Id")}, nil
	}
	if err := lineFailure("push", res, err); err != nil {
		return SendResult{}, err
	}
	return SendResult{API: "push", Messages: len(messages), RequestID: res.Header.Get("X-Line-Request-Id")}, nil
}

// Reply answers the friend's own action with the free Reply API. An empty, unknown, used
// or expired reply token is a non-retryable ErrReplyTokenInvalid: the workflow pushes
// instead.
//
// A reply token works once, so a reply whose first attempt timed out after LINE had
// accepted it comes back ErrReplyTokenInvalid on the retry. The error's one detail is
// the attempt (int32) it happened on: above 1, an earlier attempt may have delivered,
// and pushing the same messages may send them twice.
func (l *LINE) Reply(ctx context.Context, in ReplyInput) (SendResult, error) {
	messages, err := lineMessages(in.Messages)
	if err != nil {
		return SendResult{}, refusedBeforeSending("reply", err)
	}
	attempt := int32(1)
	if activity.IsActivity(ctx) {
		attempt = activity.GetInfo(ctx).Attempt
	}
	if in.ReplyToken == "" {
		return SendResult{}, temporal.NewNonRetryableApplicationError("LINE reply: no reply token", ErrReplyTokenInvalid, nil, attempt)
	}
	api, done, err := l.client(ctx, in.Recipient)
	if err != nil {
		return SendResult{}, err
	}
	defer done()
	res, _, err := api.ReplyMessageWithHttpInfo(&messaging_api.ReplyMessageRequest{
		ReplyToken: in.ReplyToken,
		Messages:   messages,
	})
	if err := lineFailure("reply", res, err); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == ErrReplyTokenInvalid {
			return SendResult{}, temporal.NewNonRetryableApplicationError(appErr.Message(), ErrReplyTokenInvalid, nil, attempt)
		}
		return SendResult{}, err
	}
	return SendResult{API: "reply", Messages: len(messages), RequestID: res.Header.Get("X-Line-Request-Id")}, nil
}

// LinkRichMenu shows the rich menu in.RichMenuID to the friend, replacing the default
// one; an empty RichMenuID unlinks theirs. Linking the same menu again is harmless.
func (l *LINE) LinkRichMenu(ctx context.Context, in RichMenuInput) error {
	if in.RichMenuID == "" {
		return l.UnlinkRichMenu(ctx, in)
	}
	if err := checkUserID(in.Recipient); err != nil {
		return refusedBeforeSending("link rich menu", err)
	}
	if !pathSafe(in.RichMenuID) {
		return refusedBeforeSending("link rich menu", fmt.Errorf("rich menu ID %q is not one LINE issues", in.RichMenuID))
	}
	api, done, err := l.client(ctx, in.Recipient)
	if err != nil {
		return err
	}
	defer done()
	res, _, err := api.LinkRichMenuIdToUserWithHttpInfo(in.Recipient.LineUserID, in.RichMenuID)
	return lineFailure("link rich menu", res, err)
}

// UnlinkRichMenu takes the friend's own rich menu away, so they see the account's
// default one again.
func (l *LINE) UnlinkRichMenu(ctx context.Context, in RichMenuInput) error {
	if err := checkUserID(in.Recipient); err != nil {
		return refusedBeforeSending("unlink rich menu", err)
	}
	api, done, err := l.client(ctx, in.Recipient)
	if err != nil {
		return err
	}
	defer done()
	res, _, err := api.UnlinkRichMenuIdFromUserWithHttpInfo(in.Recipient.LineUserID)
	return lineFailure("unlink rich menu", res, err)
}

// client returns an SDK client for the recipient's LINE account, bound to ctx and the
// call timeout; done releases the timeout. The account's token is read on every call
// (a rotated token takes effect at once) and never leaves this function but inside the
// client.
func (l *LINE) client(ctx context.Context, r Recipient) (*messaging_api.MessagingApiAPI, context.CancelFunc, error) {
	creds, err := l.Store.LineAccountCredentials(ctx, r.WorkspaceID, r.LineAccountID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("LINE account %s of workspace %s: not found", r.LineAccountID, r.WorkspaceID), ErrNotFound, nil)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read credentials of LINE account %s: %w", r.LineAccountID, err)
	}
	if creds.ChannelAccessToken == "" {
		return nil, nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("LINE account %s has no channel access token", r.LineAccountID), ErrLineRejected, nil)
	}

	l.mu.Lock()
	cached, ok := l.clients[r.LineAccountID]
	if !ok || cached.token != creds.ChannelAccessToken {
		opts := []messaging_api.MessagingApiAPIOption{messaging_api.WithHTTPClient(l.httpClient())}
		if l.BaseURL != "" {
			opts = append(opts, messaging_api.WithEndpoint(l.BaseURL))
		}
		api, err := messaging_api.NewMessagingApiAPI(creds.ChannelAccessToken, opts...)
		if err != nil {
			l.mu.Unlock()
			return nil, nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("LINE client for account %s (base URL %q): %v", r.LineAccountID, l.BaseURL, err), ErrLineRejected, nil)
		}
		cached = cachedClient{token: creds.ChannelAccessToken, api: api}
		if l.clients == nil {
			l.clients = map[string]cachedClient{}
		}
		l.clients[r.LineAccountID] = cached
	}
	l.mu.Unlock()

	// The SDK client keeps the context of its last WithContext call in itself, so a shared
	// one would hand one call's context to another. Each call gets a copy of its own.
	call := *cached.api
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultLineTimeout
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	return call.WithContext(callCtx), cancel, nil
}

func (l *LINE) httpClient() *http.Client {
	if l.HTTPClient != nil {
		return l.HTTPClient
	}
	return http.DefaultClient
}

// rawMessage hands a rendered LINE message object to the SDK as it is. The SDK's
// requests hold messages as MessageInterface values; one that marshals itself goes out
// byte for byte. (Decoding into the SDK's own structs with UnmarshalMessage would not:
// it adds zero values such as "flex":0 to flex boxes, which changes their layout, and
// mangles types it does not know.)
type rawMessage struct {
	kind string
	doc  json.RawMessage
}

func (m rawMessage) GetType() string              { return m.kind }
func (m rawMessage) MarshalJSON() ([]byte, error) { return m.doc, nil }

// lineMessages checks the rendered messages LINE would refuse outright (none, more than
// five, not objects with a type) and wraps them for the SDK.
func lineMessages(raw []json.RawMessage) ([]messaging_api.MessageInterface, error) {
	if len(raw) == 0 || len(raw) > maxLineMessages {
		return nil, fmt.Errorf("%d messages: LINE takes 1 to %d a request", len(raw), maxLineMessages)
	}
	messages := make([]messaging_api.MessageInterface, 0, len(raw))
	for i, doc := range raw {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(doc, &head); err != nil || head.Type == "" {
			return nil, fmt.Errorf("messages[%d] is not a LINE message object with a type", i)
		}
		messages = append(messages, rawMessage{kind: head.Type, doc: doc})
	}
	return messages, nil
}

func checkUserID(r Recipient) error {
	if r.LineUserID == "" {
		return fmt.Errorf("friend %s has no LINE user ID", r.FriendID)
	}
	if !pathSafe(r.LineUserID) {
		return fmt.Errorf("LINE user ID %q is not one LINE issues", r.LineUserID)
	}
	return nil
}

// pathSafe tells whether id can go into a URL path as it is: the SDK pastes IDs into
// paths without escaping them.
func pathSafe(id string) bool {
	return id != "" && id != "." && id != ".." && url.PathEscape(id) == id
}

// refusedBeforeSending is a request LINE would refuse, caught before sending it.
func refusedBeforeSending(op string, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("LINE %s: %v", op, err), ErrLineRejected, nil)
}

// lineErrorBody is LINE's error response.
type lineErrorBody struct {
	Message string `json:"message"`
	Details []struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	} `json:"details"`
}

// lineFailure turns an SDK call's outcome into nil (2xx), a non-retryable ApplicationError
// for answers retrying cannot change, or a retryable error.
func lineFailure(op string, res *http.Response, err error) error {
	if res == nil {
		// No answer: connection refused or reset, or the call's timeout. Retryable; for
		// a push, the retry key makes the retry safe.
		if err == nil {
			err = errors.New("no response")
		}
		return fmt.Errorf("LINE %s: %w", op, err)
	}
	if res.StatusCode/100 == 2 {
		// Accepted, even when the SDK could not decode the body.
		return nil
	}

	var body lineErrorBody
	if res.Body != nil {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		if json.Unmarshal(raw, &body) != nil || body.Message == "" {
			body.Message = strings.TrimSpace(string(bytes.ToValidUTF8(raw, nil)))
		}
	}
	var text strings.Builder
	fmt.Fprintf(&text, "LINE %s: %d %s", op, res.StatusCode, http.StatusText(res.StatusCode))
	if body.Message != "" {
		fmt.Fprintf(&text, ": %s", body.Message)
	}
	for i, d := range body.Details {
		sep := "; "
		if i == 0 {
			sep = " ("
		}
		text.WriteString(sep)
		if d.Property != "" {
			text.WriteString(d.Property + ": ")
		}
		text.WriteString(d.Message)
		if i == len(body.Details)-1 {
			text.WriteString(")")
		}
	}
	if id := res.Header.Get("X-Line-Request-Id"); id != "" {
		fmt.Fprintf(&text, " [request %s]", id)
	}
	msg := text.String()
	lower := strings.ToLower(body.Message)

	switch code := res.StatusCode; {
	case code == http.StatusTooManyRequests && strings.Contains(lower, "monthly limit"):
		return temporal.NewNonRetryableApplicationError(msg, ErrLineQuotaExceeded, nil)
	case code == http.StatusTooManyRequests:
		// Returned as it is, never wrapped: a local activity's retry reads
		// NextRetryDelay only off the error itself.
		return temporal.NewApplicationErrorWithOptions(msg, ErrLineRateLimited, temporal.ApplicationErrorOptions{
			NextRetryDelay: retryAfter(res.Header.Get("Retry-After"), time.Now()),
		})
	case code == http.StatusBadRequest && op == "reply" && strings.Contains(lower, "reply token"):
		return temporal.NewNonRetryableApplicationError(msg, ErrReplyTokenInvalid, nil)
	case code == http.StatusRequestTimeout || code >= 500:
		return errors.New(msg)
	default:
		// 400, 401, 403, 404, 409 without a retry key, 413, 415: the same request
		// gets the same answer.
		return temporal.NewNonRetryableApplicationError(msg, ErrLineRejected, nil)
	}
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date; zero when there
// is none, which leaves the delay to the retry policy.
func retryAfter(header string, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0
	}
	if s, err := strconv.Atoi(header); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(header); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Profile is what LINE tells about a user (GET /v2/bot/profile/{userId}).
type Profile struct {
	DisplayName   string
	PictureURL    string
	StatusMessage string
	Language      string
}

// Profile fetches a friend's LINE profile.
func (l *LINE) Profile(ctx context.Context, r Recipient) (Profile, error) {
	if err := checkUserID(r); err != nil {
		return Profile{}, refusedBeforeSending("get profile", err)
	}
	api, done, err := l.client(ctx, r)
	if err != nil {
		return Profile{}, err
	}
	defer done()
	res, p, err := api.GetProfileWithHttpInfo(r.LineUserID)
	if err := lineFailure("get profile", res, err); err != nil {
		return Profile{}, err
	}
	return Profile{DisplayName: p.DisplayName, PictureURL: p.PictureUrl, StatusMessage: p.StatusMessage, Language: p.Language}, nil
}
