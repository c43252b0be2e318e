package linefake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Call is one request the server received and what it answered.
type Call struct {
	Time     time.Time // when it arrived, by the server's clock
	Method   string
	Path     string
	Endpoint Endpoint // empty when no endpoint matched (the answer was 404 or 405)
	// Channel is the access token of the channel the request authenticated as; empty
	// when the token was missing or named no channel.
	Channel   string
	RetryKey  string // X-Line-Retry-Key as sent
	Header    http.Header
	Body      []byte
	RequestID string // X-Line-Request-Id of the answer

	Status            int    // 0 when no answer was written (the client gave up first)
	AcceptedRequestID string // X-Line-Accepted-Request-Id of a 409
	// Processed is true when LINE did the work: messages sent, token used, key
	// remembered. With an after-processing fault it is true even though Status is an
	// error, which is exactly the case retry keys exist for.
	Processed bool
	Fault     *Fault // the injected fault played on this call, if any
}

// DeliveredMessage is one message as it reached a user's chat.
type DeliveredMessage struct {
	Time      time.Time
	Channel   string   // access token of the sending channel
	UserID    string   // the recipient
	Via       Endpoint // EndpointPush, EndpointReply or EndpointMulticast
	RequestID string   // X-Line-Request-Id of the request that sent it
	RetryKey  string   // its X-Line-Retry-Key, if any
	MessageID string
	Type      string          // the message object's type
	Text      string          // its text, for text messages
	Message   json.RawMessage // the message object as sent
	// NotificationDisabled is the request's notificationDisabled.
	NotificationDisabled bool
}

func (s *Server) record(call Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

// Calls returns every request answered (or given up on) so far, in the order they
// finished.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls made to one endpoint, in the order they finished.
func (s *Server) CallsTo(e Endpoint) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Endpoint == e {
			out = append(out, c)
		}
	}
	return out
}

// Delivered returns the messages the user has received from any channel, in order.
func (s *Server) Delivered(userID string) []DeliveredMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delivered[userID])
}

// DeliveredCount is how many messages have been delivered to anyone.
func (s *Server) DeliveredCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveredCount
}

// WaitForMessages waits until the user has received at least n messages and returns all
// they have received. If ctx ends first it returns what arrived and an error saying how
// many did.
func (s *Server) WaitForMessages(ctx context.Context, userID string, n int) ([]DeliveredMessage, error) {
	for {
		s.mu.Lock()
		got := slices.Clone(s.delivered[userID])
		changed := s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("wait for %d messages to %s: %d arrived: %w", n, userID, len(got), ctx.Err())
		}
	}
}
