package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// MaxMulticastRecipients is how many user IDs one multicast request may name.
const MaxMulticastRecipients = 500

// lineUserIDPattern is the shape of the user IDs LINE issues: U and 32 hex digits. A
// multicast naming anything else is refused whole, so such IDs are kept out of it.
var lineUserIDPattern = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// IsLineUserID tells whether id has the shape of a LINE user ID, which multicast takes.
func IsLineUserID(id string) bool { return lineUserIDPattern.MatchString(id) }

// MulticastInput sends the same messages to up to 500 friends of one LINE account with
// the Multicast API. RetryKey makes a repeat a no-op at LINE.
type MulticastInput struct {
	WorkspaceID   string
	LineAccountID string
	LineUserIDs   []string
	// Messages are LINE message objects, rendered.
	Messages []json.RawMessage
	RetryKey string
}

// Multicast sends in.Messages to every user in in.LineUserIDs, with in.RetryKey as
// X-Line-Retry-Key: when LINE answers a repeat with 409 the messages went out before,
// and Multicast succeeds with the first acceptance's request ID. Its errors are typed as
// Push's are: ErrLineQuotaExceeded for the monthly quota, ErrLineRejected for a request
// LINE refuses, ErrLineRateLimited (retryable, with LINE's Retry-After) for a 429, and
// a plain retryable error for 5xx and timeouts.
func (l *LINE) Multicast(ctx context.Context, in MulticastInput) (SendResult, error) {
	messages, err := lineMessages(in.Messages)
	if err != nil {
		return SendResult{}, refusedBeforeSending("multicast", err)
	}
	if in.RetryKey == "" {
		return SendResult{}, refusedBeforeSending("multicast", errors.New("no retry key: a retried multicast could send twice"))
	}
	if n := len(in.LineUserIDs); n == 0 || n > MaxMulticastRecipients {
		return SendResult{}, refusedBeforeSending("multicast", fmt.Errorf("%d recipients: LINE takes 1 to %d a request", n, MaxMulticastRecipients))
	}
	api, done, err := l.client(ctx, Recipient{WorkspaceID: in.WorkspaceID, LineAccountID: in.LineAccountID})
	if err != nil {
		return SendResult{}, err
	}
	defer done()
	res, _, err := api.MulticastWithHttpInfo(&messaging_api.MulticastRequest{
		To:       in.LineUserIDs,
		Messages: messages,
	}, in.RetryKey)
	if res != nil && res.StatusCode == http.StatusConflict {
		// The retry key was accepted before: this is a repeat of a multicast that went out.
		res.Body.Close()
		return SendResult{API: "multicast", Messages: len(messages), RequestID: res.Header.Get("X-Line-Accepted-Request-Id")}, nil
	}
	if err := lineFailure("multicast", res, err); err != nil {
		return SendResult{}, err
	}
	return SendResult{API: "multicast", Messages: len(messages), RequestID: res.Header.Get("X-Line-Request-Id")}, nil
}
