package linefake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

const (
	headerRequestID         = "X-Line-Request-Id"
	headerAcceptedRequestID = "X-Line-Accepted-Request-Id"
	headerRetryKey          = "X-Line-Retry-Key"

	// maxBodyBytes is LINE's request size limit.
	maxBodyBytes = 2 << 20

	// DefaultReplyTokenTTL is how long a reply token works unless the test says
	// otherwise; LINE documents "about one minute".
	DefaultReplyTokenTTL = time.Minute
	// DefaultRetryKeyTTL is how long LINE remembers an accepted retry key.
	DefaultRetryKeyTTL = 24 * time.Hour
	// DefaultRateLimit is LINE's limit for most endpoints, in requests a second per
	// channel and endpoint.
	DefaultRateLimit = 2000
)

// Server is a fake LINE Messaging API listening on a loopback port. It is safe for
// concurrent use; see the package documentation for what it models.
type Server struct {
	ts          *httptest.Server
	now         func() time.Time
	replyTTL    time.Duration
	retryKeyTTL time.Duration

	// done is closed by Close so that stalled and hanging requests let go.
	done      chan struct{}
	closeOnce sync.Once

	// mu guards everything below and is held while a request is processed, so a
	// request is accepted, delivered and remembered as one step.
	mu             sync.Mutex
	channels       map[string]*Channel
	faults         []*plannedFault
	calls          []Call
	delivered      map[string][]DeliveredMessage
	deliveredCount int
	changed        chan struct{} // closed and replaced on every delivery
	nextMessageID  int64
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the server read time from now instead of the wall clock: reply-token
// expiry, retry-key memory, rate-limit windows and the quota month all follow it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithReplyTokenTTL sets how long reply tokens work when IssueReplyToken is given no TTL.
func WithReplyTokenTTL(ttl time.Duration) Option {
	return func(s *Server) { s.replyTTL = ttl }
}

// WithRetryKeyTTL sets how long an accepted X-Line-Retry-Key is remembered.
func WithRetryKeyTTL(ttl time.Duration) Option {
	return func(s *Server) { s.retryKeyTTL = ttl }
}

// New starts a fake LINE Messaging API. Point the SDK at it with
// messaging_api.WithEndpoint(srv.URL()), and call Close when done.
func New(opts ...Option) *Server {
	s := &Server{
		now:           time.Now,
		replyTTL:      DefaultReplyTokenTTL,
		retryKeyTTL:   DefaultRetryKeyTTL,
		done:          make(chan struct{}),
		channels:      make(map[string]*Channel),
		delivered:     make(map[string][]DeliveredMessage),
		changed:       make(chan struct{}),
		nextMessageID: 500000000000000000,
	}
	for _, opt := range opts {
		opt(s)
	}
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the base URL, like https://api.line.me (no trailing slash).
func (s *Server) URL() string { return s.ts.URL }

// Close releases requests held by stalls and hangs, then shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// response is what processing decided to answer.
type response struct {
	status    int
	header    http.Header
	body      any
	processed bool
}

// ServeHTTP answers one Messaging API request: route, then any injected fault, then
// LINE's own checks and the endpoint's work.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := Call{
		Time:      s.now(),
		Method:    r.Method,
		Path:      r.URL.Path,
		Header:    r.Header.Clone(),
		RetryKey:  r.Header.Get(headerRetryKey),
		RequestID: uuid.NewString(),
	}
	w.Header().Set(headerRequestID, call.RequestID)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		s.finish(w, &call, response{status: http.StatusBadRequest, body: errorBody{Message: msgBadJSON}})
		return
	}
	call.Body = body

	rt, miss := match(r.Method, r.URL.Path)
	call.Endpoint = rt.endpoint
	if miss != nil {
		s.finish(w, &call, *miss)
		return
	}
	token, hasAuth := bearerToken(r.Header.Get("Authorization"))
	s.mu.Lock()
	if _, ok := s.channels[token]; ok && hasAuth {
		call.Channel = token
	}
	s.mu.Unlock()

	fault := s.pickFault(call)
	call.Fault = fault
	if fault != nil && !fault.AfterProcessing {
		if !s.stall(r.Context(), fault) {
			s.record(call)
			return
		}
		if fault.Status != 0 {
			s.finish(w, &call, fault.response())
			return
		}
	}

	resp := s.process(rt, &call, hasAuth)
	call.Processed = resp.processed
	if fault != nil && fault.AfterProcessing {
		if !s.stall(r.Context(), fault) {
			s.record(call)
			return
		}
		if fault.Status != 0 {
			resp = fault.response()
		}
	}
	s.finish(w, &call, resp)
}

// process runs LINE's checks shared by every endpoint, then the endpoint, all under
// the lock.
func (s *Server) process(rt route, call *Call, hasAuth bool) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !hasAuth {
		return lineError(http.StatusUnauthorized, msgAuthMissing)
	}
	ch := s.channels[call.Channel]
	if ch == nil {
		return lineError(http.StatusUnauthorized, msgAuthFailed)
	}
	if len(call.Body) > maxBodyBytes {
		return lineError(http.StatusRequestEntityTooLarge, msgTooLarge)
	}
	// The SDK sends an empty X-Line-Retry-Key when the caller passes "", and LINE
	// treats that as no key.
	if call.RetryKey != "" {
		if !rt.endpoint.takesRetryKey() {
			return lineError(http.StatusBadRequest, msgRetryKeyNotHere)
		}
		if !isUUID(call.RetryKey) {
			return lineError(http.StatusBadRequest, msgRetryKeyInvalid)
		}
	}
	now := s.now()
	if !ch.limiter.allow(rt.endpoint, ch.rateLimit, now) {
		return lineError(http.StatusTooManyRequests, msgRateLimited)
	}
	return rt.handle(s, ch, request{call: call, params: rt.params, now: now})
}

// stall holds a request as the fault says. It reports false when no answer should be
// written: the client gave up or the server is closing.
func (s *Server) stall(ctx context.Context, f *Fault) bool {
	if f.Hang {
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		return false
	}
	if f.Delay <= 0 {
		return true
	}
	timer := time.NewTimer(f.Delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return ctx.Err() == nil
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) finish(w http.ResponseWriter, call *Call, resp response) {
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	call.Status = resp.status
	call.AcceptedRequestID = resp.header.Get(headerAcceptedRequestID)
	s.record(*call)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	body := resp.body
	if body == nil {
		body = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(body) // a client that went away is not our failure
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// AddChannel registers a channel whose access token is token. It panics if the token is
// empty or already taken, since that is a mistake in the test.
func (s *Server) AddChannel(token string) *Channel {
	if token == "" {
		panic("linefake: AddChannel needs a token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[token]; ok {
		panic(fmt.Sprintf("linefake: channel %q added twice", token))
	}
	ch := newChannel(s, token)
	s.channels[token] = ch
	return ch
}

// newMessageID returns an ID shaped like LINE's: a long decimal string. Callers hold mu.
func (s *Server) newMessageID() string {
	s.nextMessageID++
	return strconv.FormatInt(s.nextMessageID, 10)
}
