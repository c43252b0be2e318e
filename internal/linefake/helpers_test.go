package linefake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

const testToken = "channel-token-1"

// start runs a fake with one channel and closes it when the test ends.
func start(t *testing.T, opts ...linefake.Option) (*linefake.Server, *linefake.Channel) {
	t.Helper()
	srv := linefake.New(opts...)
	t.Cleanup(srv.Close)
	return srv, srv.AddChannel(testToken)
}

// client is the real SDK client pointed at the fake.
func client(t *testing.T, srv *linefake.Server, token string, httpClient *http.Client) *messaging_api.MessagingApiAPI {
	t.Helper()
	opts := []messaging_api.MessagingApiAPIOption{messaging_api.WithEndpoint(srv.URL())}
	if httpClient != nil {
		opts = append(opts, messaging_api.WithHTTPClient(httpClient))
	}
	bot, err := messaging_api.NewMessagingApiAPI(token, opts...)
	if err != nil {
		t.Fatalf("new SDK client: %v", err)
	}
	return bot
}

func texts(ss ...string) []messaging_api.MessageInterface {
	out := make([]messaging_api.MessageInterface, len(ss))
	for i, s := range ss {
		out[i] = &messaging_api.TextMessage{Text: s}
	}
	return out
}

func push(bot *messaging_api.MessagingApiAPI, to, retryKey string, ss ...string) (*http.Response, *messaging_api.PushMessageResponse, error) {
	return bot.PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: to, Messages: texts(ss...)}, retryKey)
}

// lineError is LINE's error body, as a client reads it.
type lineError struct {
	Message string `json:"message"`
	Details []struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	} `json:"details"`
	SentMessages []struct {
		ID         string `json:"id"`
		QuoteToken string `json:"quoteToken"`
	} `json:"sentMessages"`
}

// errorBody reads the error body of a response the SDK returned with its error.
func errorBody(t *testing.T, res *http.Response) lineError {
	t.Helper()
	if res == nil {
		t.Fatal("no response")
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	var e lineError
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", raw, err)
	}
	return e
}

func wantStatus(t *testing.T, res *http.Response, want int) {
	t.Helper()
	if res == nil {
		t.Fatalf("no response, want status %d", want)
	}
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d", res.StatusCode, want)
	}
}

// raw sends a request the SDK cannot express (malformed bodies, other methods).
func raw(t *testing.T, srv *linefake.Server, method, path, token string, body string, header http.Header) (int, lineError, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var e lineError
	_ = json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e, res.Header
}

// clock is a fake clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
