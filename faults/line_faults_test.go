package faults_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// One LINE call in five fails while 50 friends go through the survey (half answering in
// LINE, so replies meet faults too): 5xx before and after LINE did the work, 429 with a
// Retry-After, and 3-second stalls, past the 2-second call timeout, before and after the
// work. (e2e's TestJourney_FiftyFriendsUnderLineFaultsLoseAndDuplicateNothing plays
// 500, 502, a 429 without Retry-After and hangs; these are the kinds it lacks.) Nothing
// is lost or sent twice, and no call that got a 429 with Retry-After is made again
// sooner than LINE asked.
func TestLineFaults_FiveXXRetryAfterAndStallsLoseAndDuplicateNothing(t *testing.T) {
	const friends = 50
	retryAfter := 2 * time.Second
	w := newWorld(t, withEnv("LUMO_LINE_TIMEOUT", "2s"))
	w.serveAPI()
	w.runWorker()
	for i, f := range []linefake.Fault{
		{Status: http.StatusServiceUnavailable},
		{Status: http.StatusInternalServerError, AfterProcessing: true},
		{Status: http.StatusTooManyRequests, RetryAfter: retryAfter},
		{Delay: 3 * time.Second},
		{Delay: 3 * time.Second, AfterProcessing: true},
	} {
		f.Probability, f.Seed = 0.045, uint64(time.Now().UnixNano())+uint64(i)
		w.line.Inject(f)
	}
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	riders := w.riders(friends)
	started := time.Now()

	enrolled := make(chan *rider, friends)
	var wg sync.WaitGroup
	for _, r := range riders {
		wg.Go(func() {
			if err := w.enroll(survey, r); err != nil {
				t.Error(err)
				return
			}
			enrolled <- r
		})
	}
	wg.Wait()
	close(enrolled)
	if t.Failed() {
		t.FailNow()
	}
	answered, errs := w.answerWhenParked(enrolled, 3*time.Minute)
	for _, err := range errs {
		t.Error(err)
	}
	if answered != friends {
		t.Fatalf("%d of %d friends answered", answered, friends)
	}
	w.waitForCompleted(executionsOf(riders), 3*time.Minute)
	calls := w.lineCalls()
	t.Logf("%d journeys completed in %s; LINE: %s", friends, time.Since(started).Round(time.Millisecond), calls)

	w.checkSurvey(t, survey, riders)

	sends := append(w.line.CallsTo(linefake.EndpointPush), w.line.CallsTo(linefake.EndpointReply)...)
	kinds := map[string]int{}
	for _, c := range sends {
		if c.Fault != nil {
			kinds[faultKind(c.Fault)]++
		}
	}
	share := float64(calls.faulted) / float64(len(sends))
	t.Logf("faults played: %v (%.0f%% of %d sends)", kinds, 100*share, len(sends))
	if share < 0.1 || share > 0.35 {
		t.Errorf("%.0f%% of LINE calls faulted; the test means about 20%%", 100*share)
	}
	if len(kinds) < 5 {
		t.Errorf("only %d of the 5 kinds of fault were played: %v", len(kinds), kinds)
	}

	// A call answered 429 with Retry-After is repeated (same retry key, or same reply
	// token) no sooner than LINE asked.
	rateLimited, early := 0, 0
	for i, c := range sends {
		if c.Fault == nil || c.Fault.Status != http.StatusTooManyRequests {
			continue
		}
		rateLimited++
		for _, next := range sends[i+1:] {
			if sameSend(c, next) && next.Time.After(c.Time) {
				if gap := next.Time.Sub(c.Time); gap < retryAfter-50*time.Millisecond {
					early++
					t.Errorf("a %s answered 429 with Retry-After %s was made again after %s", c.Endpoint, retryAfter, gap.Round(time.Millisecond))
				}
				break
			}
		}
	}
	t.Logf("%d calls answered 429 with Retry-After %s; %d repeated sooner", rateLimited, retryAfter, early)
}

func faultKind(f *linefake.Fault) string {
	switch {
	case f.Delay > 0 && f.AfterProcessing:
		return "stall after"
	case f.Delay > 0:
		return "stall before"
	case f.RetryAfter > 0:
		return "429 Retry-After"
	case f.AfterProcessing:
		return "5xx after"
	default:
		return "5xx before"
	}
}

// sameSend tells whether two calls send the same thing: a push with the same retry
// key, or a reply with the same reply token.
func sameSend(a, b linefake.Call) bool {
	if a.Endpoint != b.Endpoint {
		return false
	}
	if a.Endpoint == linefake.EndpointPush {
		return a.RetryKey != "" && a.RetryKey == b.RetryKey
	}
	var ra, rb struct {
		ReplyToken string `json:"replyToken"`
	}
	_ = json.Unmarshal(a.Body, &ra)
	_ = json.Unmarshal(b.Body, &rb)
	return ra.ReplyToken != "" && ra.ReplyToken == rb.ReplyToken
}
