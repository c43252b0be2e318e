package faults_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// A broadcast to 2,000 friends (four multicast batches, one a second) runs in a worker
// that is its own process, SIGKILLed twice while it sends: once at a random moment in
// the second after the first batch, and once while LINE has delivered the third batch
// but not answered yet (its answer is held back), the case retry keys exist for. Each
// kill loses the activity sending the batches; Temporal gives it to the restarted worker,
// which reads from the database which batch comes next and sends it with that batch's
// retry key, so the third goes again and LINE answers 409. Every friend receives the
// message exactly once, and the progress read through the API adds up at every read.
func TestWorkerKilled_TwiceWhileABroadcastToTwoThousandFriendsSends(t *testing.T) {
	const friends = 2000
	began := time.Now()
	w := newWorld(t, withEnv("LUMO_BROADCAST_RATE", "1"))
	w.serveAPI()
	ctx := context.Background()

	users := make([]string, 0, friends)
	for i := range friends {
		_, userID := w.friend(fmt.Sprintf("friend %d", i))
		users = append(users, userID)
	}
	segment, err := w.store.CreateSegment(ctx, models.Segment{
		WorkspaceID: w.workspace, Name: "Everyone",
		Definition: segments.Definition{Groups: []segments.Group{{Conditions: []segments.Condition{
			{Property: segments.PropBlocked, Op: "eq", Value: []byte("false")},
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d friends and a segment of them ready after %s", friends, time.Since(began).Round(time.Millisecond))

	worker := w.newProcess("worker")
	worker.start()
	started := time.Now()
	id := w.must(http.StatusAccepted, http.MethodPost, "/v1/broadcasts", map[string]any{
		"segmentId": segment.ID, "lineAccountId": w.account,
		"messages": []map[string]string{{"type": "text", "text": "Spring sale: 20% off today"}},
	}).str("id")
	thirdBatch := activities.BroadcastRetryKey(id, 2)
	w.line.Inject(linefake.Fault{
		Endpoint: linefake.EndpointMulticast, AfterProcessing: true, Delay: 5 * time.Second,
		Match: func(c linefake.Call) bool { return c.RetryKey == thirdBatch },
	})

	// Read the progress through the API the whole time, as a dashboard would.
	// A 503 is no read of the progress: the PostgreSQL these tests share may be
	// restarted by the suite's last step running elsewhere on the machine.
	var (
		reads, unavailable int
		badReads           []string
		last               progress
		done               = make(chan struct{})
		pollWG             sync.WaitGroup
	)
	pollWG.Go(func() {
		for {
			p, err := w.broadcastProgress(id)
			switch {
			case errors.Is(err, errUnavailable):
				unavailable++
			case err != nil:
				badReads = append(badReads, err.Error())
			case p.sent+p.failed+p.remaining != p.total:
				badReads = append(badReads, fmt.Sprintf("read %d: sent %d + failed %d + remaining %d != total %d", reads, p.sent, p.failed, p.remaining, p.total))
			case p.sent < last.sent || p.total < last.total:
				badReads = append(badReads, fmt.Sprintf("read %d went back: %+v after %+v", reads, p, last))
			default:
				last = p
			}
			reads++
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	// The first kill: somewhere in the second after the first batch, before the next or
	// with it in flight.
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	w.waitFor("the first batch sent", 2*time.Minute, func() bool {
		p, err := w.broadcastProgress(id)
		return err == nil && p.sent >= 500
	})
	time.Sleep(time.Duration(rng.Int64N(int64(1100 * time.Millisecond))))
	worker.kill()
	worker.start()
	// The second: the third batch has reached everyone, but LINE's answer is held back,
	// so it is not recorded yet. The restarted worker sends it again with its retry key.
	w.waitFor("the third batch delivered and not answered yet", 2*time.Minute, func() bool {
		return w.line.DeliveredCount() >= 1500
	})
	worker.kill()
	worker.start()
	t.Logf("worker SIGKILLed %d times (seed %d), ready again after %s", worker.kills, seed, worker.lastStart.Round(time.Millisecond))

	w.waitFor("the broadcast to complete", 3*time.Minute, func() bool {
		p, err := w.broadcastProgress(id)
		return err == nil && p.status == string(models.BroadcastCompleted)
	})
	close(done)
	pollWG.Wait()
	t.Logf("completed %s after it was created, %d progress reads (%d answered 503)", time.Since(started).Round(time.Millisecond), reads, unavailable)

	for _, bad := range badReads {
		t.Error(bad)
	}
	final, err := w.broadcastProgress(id)
	if err != nil {
		t.Fatal(err)
	}
	if final.total != friends || final.sent != friends || final.failed != 0 || final.remaining != 0 {
		t.Fatalf("final progress = %+v, want all %d sent", final, friends)
	}
	var repeats, twice, missing int
	for _, c := range w.line.CallsTo(linefake.EndpointMulticast) {
		if c.Status == http.StatusConflict {
			repeats++
		}
	}
	for _, u := range users {
		switch n := len(w.line.Delivered(u)); {
		case n == 0:
			missing++
		case n > 1:
			twice++
		}
	}
	t.Logf("LINE: %d multicast requests, %d of them repeats answered 409; %d messages delivered",
		len(w.line.CallsTo(linefake.EndpointMulticast)), repeats, w.line.DeliveredCount())
	if repeats == 0 {
		t.Error("no batch was sent again: the second kill did not land while the third batch was unanswered")
	}
	if missing > 0 || twice > 0 || w.line.DeliveredCount() != friends {
		t.Fatalf("%d friends got nothing and %d got the message more than once; %d messages delivered, want %d",
			missing, twice, w.line.DeliveredCount(), friends)
	}
}

// progress is a broadcast's progress as GET /v1/broadcasts/{id} shows it.
type progress struct {
	status                         string
	total, sent, failed, remaining int
}

// errUnavailable is an answer 503: the API could not reach the database.
var errUnavailable = errors.New("503 unavailable")

func (w *world) broadcastProgress(id string) (progress, error) {
	res, err := w.call(http.MethodGet, "/v1/broadcasts/"+id, nil)
	switch {
	case err != nil:
		return progress{}, err
	case res.status == http.StatusServiceUnavailable:
		return progress{}, errUnavailable
	case res.status != http.StatusOK:
		return progress{}, fmt.Errorf("GET /v1/broadcasts/%s: status %d: %s", id, res.status, res.raw)
	}
	number := func(key string) int {
		n, _ := res.body[key].(float64)
		return int(n)
	}
	return progress{status: res.str("status"), total: number("total"), sent: number("sent"), failed: number("failed"), remaining: number("remaining")}, nil
}
