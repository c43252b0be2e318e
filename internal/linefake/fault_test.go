package linefake_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestFault_ErrorBeforeProcessingDeliversNothing(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	srv.Inject(linefake.Fault{Endpoint: linefake.EndpointPush, Status: http.StatusServiceUnavailable, Times: 2})
	key := uuid.NewString()

	for attempt := range 2 {
		res, _, err := push(bot, friend.UserID, key, "x")
		if err == nil {
			t.Fatalf("attempt %d: want an error", attempt)
		}
		wantStatus(t, res, http.StatusServiceUnavailable)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 0 {
		t.Fatalf("delivered %d during the outage, want 0", got)
	}
	if _, _, err := push(bot, friend.UserID, key, "x"); err != nil {
		t.Fatalf("third attempt with the same key: %v", err)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 1 {
		t.Errorf("delivered %d, want 1", got)
	}
	if srv.PendingFaults() != 0 {
		t.Errorf("%d faults left, want the one used up", srv.PendingFaults())
	}
}

func TestFault_ErrorAfterProcessingDeliversOnceButTheClientSeesAnError(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		retryKey      bool
		wantDelivered int
	}{
		{"500 then retry with the same key gets 409", http.StatusInternalServerError, true, 1},
		{"502 then retry with the same key gets 409", http.StatusBadGateway, true, 1},
		{"503 then retry with the same key gets 409", http.StatusServiceUnavailable, true, 1},
		{"500 then retry without a key sends twice", http.StatusInternalServerError, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ch := start(t)
			friend := ch.AddFriend(linefake.Profile{})
			bot := client(t, srv, ch.Token(), nil)
			srv.Inject(linefake.Fault{Endpoint: linefake.EndpointPush, Status: tt.status, AfterProcessing: true})
			key := ""
			if tt.retryKey {
				key = uuid.NewString()
			}

			res, _, err := push(bot, friend.UserID, key, "important")
			if err == nil {
				t.Fatal("first attempt: want an error")
			}
			wantStatus(t, res, tt.status)
			if got := len(srv.Delivered(friend.UserID)); got != 1 {
				t.Fatalf("delivered %d after the failed answer, want 1", got)
			}
			first := srv.CallsTo(linefake.EndpointPush)[0]
			if !first.Processed || first.Status != tt.status || first.Fault == nil {
				t.Errorf("recorded first call %+v", first)
			}

			retry, _, err := push(bot, friend.UserID, key, "important")
			if tt.retryKey {
				wantStatus(t, retry, http.StatusConflict)
				if got := retry.Header.Get("X-Line-Accepted-Request-Id"); got != res.Header.Get("X-Line-Request-Id") {
					t.Errorf("accepted request ID %q, want the failed answer's request ID %q", got, res.Header.Get("X-Line-Request-Id"))
				}
			} else if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := len(srv.Delivered(friend.UserID)); got != tt.wantDelivered {
				t.Errorf("delivered %d, want %d", got, tt.wantDelivered)
			}
		})
	}
}

func TestFault_429WithRetryAfter(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	srv.Inject(linefake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1500 * time.Millisecond})

	res, _, err := push(bot, friend.UserID, "", "x")
	if err == nil {
		t.Fatal("want an error")
	}
	wantStatus(t, res, http.StatusTooManyRequests)
	if got := res.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (whole seconds, rounded up)", got)
	}
	if msg := errorBody(t, res).Message; msg != "The API rate limit has been exceeded. Try again later." {
		t.Errorf("message %q", msg)
	}
	if _, _, err := push(bot, friend.UserID, "", "x"); err != nil {
		t.Errorf("next push: %v", err)
	}
}

func TestFault_StallThenAnswerNormally(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	const delay = 100 * time.Millisecond
	srv.Inject(linefake.Fault{Delay: delay})

	began := time.Now()
	if _, _, err := push(bot, friend.UserID, "", "slow"); err != nil {
		t.Fatalf("push: %v", err)
	}
	if took := time.Since(began); took < delay {
		t.Errorf("answered after %v, want at least %v", took, delay)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 1 {
		t.Errorf("delivered %d, want 1", got)
	}
}

func TestFault_ClientThatGivesUp(t *testing.T) {
	tests := []struct {
		name          string
		fault         linefake.Fault
		wantDelivered int
	}{
		{"stall before processing: nothing delivered", linefake.Fault{Delay: 5 * time.Second}, 0},
		{"hang before processing: nothing delivered", linefake.Fault{Hang: true}, 0},
		{"stall after processing: delivered, client times out", linefake.Fault{Delay: 5 * time.Second, AfterProcessing: true}, 1},
		{"hang after processing: delivered, client times out", linefake.Fault{Hang: true, AfterProcessing: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ch := start(t)
			friend := ch.AddFriend(linefake.Profile{})
			impatient := client(t, srv, ch.Token(), &http.Client{Timeout: 100 * time.Millisecond})
			srv.Inject(tt.fault)
			key := uuid.NewString()

			if _, _, err := push(impatient, friend.UserID, key, "x"); err == nil {
				t.Fatal("want the client to time out")
			}
			call := waitForCall(t, srv)
			if call.Status != 0 || call.Processed != (tt.wantDelivered == 1) {
				t.Errorf("recorded call: status %d, processed %v", call.Status, call.Processed)
			}
			if got := len(srv.Delivered(friend.UserID)); got != tt.wantDelivered {
				t.Fatalf("delivered %d, want %d", got, tt.wantDelivered)
			}

			// The retry the client makes next, with the same key, never duplicates.
			res, _, _ := push(client(t, srv, ch.Token(), nil), friend.UserID, key, "x")
			want := http.StatusOK
			if tt.wantDelivered == 1 {
				want = http.StatusConflict
			}
			wantStatus(t, res, want)
			if got := len(srv.Delivered(friend.UserID)); got != 1 {
				t.Errorf("delivered %d after the retry, want 1", got)
			}
		})
	}
}

// waitForCall waits for the server to record its first call, which it does only once
// it notices the client has gone.
func waitForCall(t *testing.T, srv *linefake.Server) linefake.Call {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if calls := srv.Calls(); len(calls) > 0 {
			return calls[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no call recorded")
	return linefake.Call{}
}

func TestFault_SeededProbabilityRepeatsRunToRun(t *testing.T) {
	run := func(seed uint64) []int {
		srv, ch := start(t)
		friend := ch.AddFriend(linefake.Profile{})
		bot := client(t, srv, ch.Token(), nil)
		srv.Inject(linefake.Fault{Status: http.StatusInternalServerError, Probability: 0.3, Seed: seed})
		statuses := make([]int, 100)
		for i := range statuses {
			res, _, _ := push(bot, friend.UserID, "", "x")
			statuses[i] = res.StatusCode
		}
		return statuses
	}
	first, second := run(7), run(7)
	failures := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("request %d: %d then %d with the same seed", i, first[i], second[i])
		}
		if first[i] == http.StatusInternalServerError {
			failures++
		}
	}
	if failures < 15 || failures > 45 {
		t.Errorf("%d of 100 failed, want about 30", failures)
	}
}

func TestFault_EndpointAndMatchChooseTheRequests(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	unlucky := uuid.NewString()
	srv.Inject(linefake.Fault{Endpoint: linefake.EndpointProfile, Status: http.StatusBadGateway})
	srv.Inject(linefake.Fault{Match: func(c linefake.Call) bool { return c.RetryKey == unlucky }, Status: http.StatusInternalServerError})

	if _, _, err := push(bot, friend.UserID, uuid.NewString(), "x"); err != nil {
		t.Errorf("push with another key: %v", err)
	}
	res, _, _ := push(bot, friend.UserID, unlucky, "x")
	wantStatus(t, res, http.StatusInternalServerError)
	res, _, _ = bot.GetProfileWithHttpInfo(friend.UserID)
	wantStatus(t, res, http.StatusBadGateway)
	if _, err := bot.GetProfile(friend.UserID); err != nil {
		t.Errorf("second profile: %v", err)
	}
}

func TestFault_CloseReleasesHangingRequests(t *testing.T) {
	srv := linefake.New()
	ch := srv.AddChannel(testToken)
	friend := ch.AddFriend(linefake.Profile{})
	srv.Inject(linefake.Fault{Hang: true})
	bot := client(t, srv, ch.Token(), nil)

	errs := make(chan error, 1)
	go func() {
		_, _, err := push(bot, friend.UserID, "", "x")
		errs <- err
	}()
	waitForArrival(t, srv)
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a hanging request")
	}
	if err := <-errs; err == nil {
		t.Error("the hanging request got an answer")
	}
}

// waitForArrival waits until the server holds a request: the hang fault is used up when
// a request picks it.
func waitForArrival(t *testing.T, srv *linefake.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for srv.PendingFaults() > 0 {
		if ctx.Err() != nil {
			t.Fatal("the request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
