package faults_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/workflows"
)

// delivery is one webhook request LINE makes, and what it got back.
type delivery struct {
	events []map[string]any
	users  []string
	status int   // 0: no answer
	err    error // why there was no answer
}

// The API is a process of its own and is SIGKILLed three times while LINE delivers
// follow events for 240 new friends (one to three events a request, several requests at
// once), with a welcome workflow active; each time it is started again. Requests cut by
// a kill or refused while the API is down got no 200, so LINE delivers them again: the
// same events, marked isRedelivery. Some of those had reached Temporal before the kill;
// a few deliveries that did get 200 are delivered again too, as LINE occasionally does.
// Every friend is welcomed, and exactly once.
func TestAPIKilled_WhileWebhooksArriveEveryFollowIsWelcomedOnce(t *testing.T) {
	const (
		friends = 240
		kills   = 3
	)
	sendEvery := 40 * time.Millisecond
	began := time.Now()
	w := newWorld(t)
	w.runWorker()
	api := w.newProcess("api")
	api.start()
	welcome := w.activeWorkflow(welcomeDoc)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	names := map[string]string{} // LINE user ID to display name
	var deliveries []*delivery
	for i := 0; i < friends; {
		d := &delivery{}
		for range 1 + rng.IntN(3) {
			if i == friends {
				break
			}
			name := fmt.Sprintf("Guest %03d", i)
			user := w.lineFriend(name)
			names[user] = name
			d.users = append(d.users, user)
			d.events = append(d.events, w.followEvent(user))
			i++
		}
		deliveries = append(deliveries, d)
	}

	// The stream: a delivery starts every sendEvery without waiting for the ones before
	// it, so several are in the API at any moment; a kill is due after each
	// (kills+1)th of the stream.
	killDue := make(chan struct{}, kills)
	killEvery := len(deliveries) / (kills + 1)
	var wg sync.WaitGroup
	streamStarted := time.Now()
	wg.Go(func() {
		var requests sync.WaitGroup
		for i, d := range deliveries {
			if i > 0 && i%killEvery == 0 && i/killEvery <= kills {
				killDue <- struct{}{}
			}
			requests.Go(func() { d.status, d.err = w.postWebhook(linefake.CallbackBody(d.events...)) })
			time.Sleep(sendEvery)
		}
		requests.Wait()
	})
	var downFor []time.Duration
	for range kills {
		<-killDue
		api.kill()
		down := time.Now()
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		api.start()
		downFor = append(downFor, time.Since(down))
	}
	wg.Wait()
	t.Logf("%d deliveries of %d follows in %s; the API SIGKILLed %d times (seed %d), down for %v each time",
		len(deliveries), friends, time.Since(streamStarted).Round(time.Millisecond), api.kills, seed, rounded(downFor))

	var acked, unacked []*delivery
	refused, cut, failed := 0, 0, 0
	for _, d := range deliveries {
		switch {
		case d.status == http.StatusOK:
			acked = append(acked, d)
			continue
		case d.err != nil && isRefused(d.err):
			refused++
		case d.err != nil:
			cut++
		default:
			failed++
		}
		unacked = append(unacked, d)
	}
	if len(unacked) == 0 {
		t.Fatal("every delivery got 200: the kills hit nothing, so the test proves nothing")
	}
	// Which of the events that got no 200 had Temporal taken before the API died? Each
	// friend has one event, so their inbox exists exactly when theirs had.
	taken, unackedEvents := 0, 0
	for _, d := range unacked {
		for _, user := range d.users {
			unackedEvents++
			if w.inboxExists(user) {
				taken++
			}
		}
	}
	t.Logf("%d deliveries got 200; %d did not (%d refused while the API was down, %d cut by a kill, %d answered an error), "+
		"carrying %d events, %d of which Temporal already had", len(acked), len(unacked), refused, cut, failed, unackedEvents, taken)

	// LINE delivers again what got no 200, and, now and then, what did.
	again := slices.Clone(unacked)
	for _, i := range rng.Perm(len(acked))[:len(acked)/10] {
		again = append(again, acked[i])
	}
	for _, d := range again {
		w.redeliver(d)
	}
	t.Logf("%d deliveries made again with isRedelivery true, all answered 200", len(again))

	// Once every friend's inbox has handled their event and the welcome runs have
	// ended, each friend has exactly one welcome. (A lost event shows below, by name.)
	if !eventually(2*time.Minute, func() bool {
		var n int64
		if err := w.store.DB().Table("executions").Where("workflow_id = ? AND status = ?", welcome, "completed").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n >= friends
	}) {
		t.Error("after 2 minutes, fewer welcome runs have completed than there are friends")
	}
	w.waitFor("every inbox to close", time.Minute, func() bool {
		for user := range names {
			if w.inboxRunning(user) {
				return false
			}
		}
		return true
	})
	t.Logf("every welcome run ended %s after the stream began (%s in all); LINE: %s",
		time.Since(streamStarted).Round(time.Millisecond), time.Since(began).Round(time.Millisecond), w.lineCalls())
	var total int64
	if err := w.store.DB().Table("executions").Where("workflow_id = ?", welcome).Count(&total).Error; err != nil {
		t.Fatal(err)
	}
	if total != friends {
		t.Errorf("the welcome workflow ran %d times for %d friends", total, friends)
	}
	wrong := 0
	for user, name := range names {
		if got, want := w.texts(user), []string{"Welcome, " + name + "!"}; !slices.Equal(got, want) {
			wrong++
			if wrong <= 10 {
				t.Errorf("%s received %q, want exactly %q", name, got, want)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d friends were not welcomed exactly once", wrong, friends)
	}
}

// redeliver makes a delivery again as LINE does when it got no 200: the same events,
// marked isRedelivery, until the API answers 200.
func (w *world) redeliver(d *delivery) {
	w.t.Helper()
	events := make([]map[string]any, len(d.events))
	for i, e := range d.events {
		again := map[string]any{}
		for k, v := range e {
			again[k] = v
		}
		again["deliveryContext"] = map[string]any{"isRedelivery": true}
		events[i] = again
	}
	body := linefake.CallbackBody(events...)
	var (
		status int
		err    error
	)
	for range 20 {
		if status, err = w.postWebhook(body); err == nil && status == http.StatusOK {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	w.t.Fatalf("a redelivery never got 200: last %d %v", status, err)
}

// isRefused tells a connection refused (nothing listening: the request never reached
// the API) from one cut while the API held it.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func (w *world) describeInbox(user string) (enumspb.WorkflowExecutionStatus, bool) {
	w.t.Helper()
	desc, err := w.temporal.DescribeWorkflowExecution(context.Background(), workflows.InboxWorkflowID(w.account, user), "")
	var missing *serviceerror.NotFound
	if errors.As(err, &missing) {
		return 0, false
	}
	if err != nil {
		w.t.Fatalf("describe the inbox of %s: %v", user, err)
	}
	return desc.GetWorkflowExecutionInfo().GetStatus(), true
}

// inboxExists tells whether Temporal has ever held an event of the user.
func (w *world) inboxExists(user string) bool {
	_, ok := w.describeInbox(user)
	return ok
}

// inboxRunning tells whether the user's inbox has events left to handle.
func (w *world) inboxRunning(user string) bool {
	status, ok := w.describeInbox(user)
	return ok && status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}
