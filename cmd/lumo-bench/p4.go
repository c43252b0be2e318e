package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
	"github.com/lumoworkflows/lumo/worker"
)

const (
	// p4TargetRecipients is the unthrottled target: recipients a second leaving the
	// pipeline for LINE.
	p4TargetRecipients = 100_000
	// p4TargetRateError is how far a throttled broadcast's request rate may be from
	// the configured one.
	p4TargetRateError = 0.02
	// p4DefaultRate is the throttled run's rate when LUMO_BROADCAST_RATE says 0 (no
	// limit) and -broadcast-rate is not given.
	p4DefaultRate = 10
)

// p4Result is one segment broadcast sent unthrottled and one at a configured rate.
type p4Result struct {
	friends     int
	seedTook    time.Duration
	unthrottled broadcastRun
	throttled   broadcastRun
	elapsed     time.Duration
}

// broadcastRun is one broadcast to the segment, as the fake LINE saw it.
type broadcastRun struct {
	// rate is LUMO_BROADCAST_RATE for it: requests a second, 0 for no limit.
	rate int
	// requests are the multicast requests LINE answered 200, recipients the user IDs in
	// them, delivered the messages the fake LINE delivered.
	requests, recipients, delivered int
	// sent and total are the broadcast's own progress once it completed.
	sent, total int
	// firstCall and lastCall are when the first and the last multicast arrived, counted
	// from the broadcast's start (StartBroadcast), and done when its row said completed.
	firstCall, lastCall, done time.Duration
	// span is from the first multicast's arrival to the last's; the rates are over it,
	// each counting what arrived after the first.
	span                       time.Duration
	recipientRate, requestRate float64
	load                       load
	gaps                       sample // between consecutive multicasts
	status                     models.BroadcastStatus
}

func (r broadcastRun) rateError() float64 {
	if r.rate == 0 {
		return 0
	}
	return math.Abs(r.requestRate-float64(r.rate)) / float64(r.rate)
}

// exact is true when every recipient got the message once and the progress says so.
func (r broadcastRun) exact(friends int) bool {
	return r.status == models.BroadcastCompleted && r.recipients == friends && r.delivered == friends && r.sent == friends && r.total == friends
}

func (r *p4Result) metUnthrottled() bool {
	return r.unthrottled.exact(r.friends) && r.unthrottled.recipientRate >= p4TargetRecipients
}

func (r *p4Result) metThrottled() bool {
	return r.throttled.exact(r.friends) && r.throttled.rateError() <= p4TargetRateError
}

func (r *p4Result) summary() string {
	return fmt.Sprintf("P4 broadcast to %d friends: unthrottled %.0f recipients/s (target ≥ %d: %s); at %d requests/s: %.2f requests/s (%.2f%% off, target ≤ %.0f%%: %s); %s",
		r.friends, r.unthrottled.recipientRate, p4TargetRecipients, verdict(r.metUnthrottled()),
		r.throttled.rate, r.throttled.requestRate, 100*r.throttled.rateError(), 100*p4TargetRateError, verdict(r.metThrottled()), r.elapsed.Round(time.Second))
}

// runP4 makes opts.broadcastFriends friends of a LINE account of their own, a segment of
// exactly them (line_account eq the account), and sends it two broadcasts through the
// engine, as the API's routes do: one with no rate limit and one at the configured rate.
// Each runs on a worker of its own whose LUMO_BROADCAST_RATE is the run's, on a task
// queue of its own, beside the product's worker.
func runP4(ctx context.Context, e *env, opts options) (*p4Result, error) {
	began := time.Now()
	r := &p4Result{friends: opts.broadcastFriends}
	throttledRate := opts.broadcastRate
	if throttledRate == 0 {
		throttledRate = e.cfg.BroadcastRate
	}
	if throttledRate == 0 {
		throttledRate = p4DefaultRate
	}

	seedStarted := time.Now()
	channel := e.line.AddChannel("bench-broadcast-token-" + randomHex(12))
	account, err := e.store.CreateLineAccount(ctx, e.workspace, models.LineAccountInput{
		Name: "Bench broadcasts", ChannelID: "1650000200", ChannelSecret: channelSecret, ChannelAccessToken: channel.Token(),
	})
	if err != nil {
		return nil, fmt.Errorf("LINE account: %w", err)
	}
	friends := make([]models.Friend, opts.broadcastFriends)
	now := time.Now().UTC()
	for i := range friends {
		name := fmt.Sprintf("P4 %06d", i)
		friends[i] = models.Friend{
			ID: models.NewID(), WorkspaceID: e.workspace, LineAccountID: account.ID,
			LineUserID:  channel.AddFriend(linefake.Profile{DisplayName: name}).UserID,
			DisplayName: name, FollowedAt: &now, Fields: map[string]any{},
		}
	}
	if err := e.store.DB().WithContext(ctx).CreateInBatches(friends, 500).Error; err != nil {
		return nil, fmt.Errorf("create friends: %w", err)
	}
	accountJSON, _ := json.Marshal(account.ID) // a string: cannot fail
	segment, err := e.store.CreateSegment(ctx, models.Segment{
		WorkspaceID: e.workspace, Name: "P4 everyone on the broadcast account",
		Definition: segments.Definition{Groups: []segments.Group{{Conditions: []segments.Condition{
			{Property: segments.PropLineAccount, Op: segments.OpEq, Value: accountJSON},
		}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	if segment.Count == nil || *segment.Count != int64(opts.broadcastFriends) {
		return nil, fmt.Errorf("the segment counts %v members, want %d", segment.Count, opts.broadcastFriends)
	}
	r.seedTook = time.Since(seedStarted)
	fmt.Printf("  P4 %d friends and their segment made in %s\n", opts.broadcastFriends, r.seedTook.Round(100*time.Millisecond))

	for _, run := range []struct {
		rate int
		into *broadcastRun
	}{{0, &r.unthrottled}, {throttledRate, &r.throttled}} {
		got, err := sendBroadcast(ctx, e, channel, account.ID, segment.ID, run.rate, opts.broadcastFriends)
		if err != nil {
			return nil, fmt.Errorf("broadcast at rate %d: %w", run.rate, err)
		}
		*run.into = got
		fmt.Printf("  P4 at LUMO_BROADCAST_RATE=%d: %d recipients in %d requests, %.0f recipients/s, %.2f requests/s over %s; completed %s after the start\n",
			run.rate, got.recipients, got.requests, got.recipientRate, got.requestRate, got.span.Round(time.Millisecond), got.done.Round(time.Millisecond))
	}
	r.elapsed = time.Since(began)
	return r, nil
}

// sendBroadcast sends one broadcast to the segment on a worker whose broadcast rate is
// rate, waits for it to complete, and reads what reached the fake LINE.
func sendBroadcast(ctx context.Context, e *env, channel *linefake.Channel, accountID, segmentID string, rate, friends int) (_ broadcastRun, err error) {
	run := broadcastRun{rate: rate}
	cfg := e.cfg
	cfg.BroadcastRate = rate
	cfg.TemporalTaskQueue = fmt.Sprintf("lumo-bench-broadcasts-%d", rate)
	w := sdkworker.New(e.temporal, cfg.TemporalTaskQueue, sdkworker.Options{})
	lineHTTP := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	worker.RegisterBroadcasts(w, cfg, e.store, worker.StoreSegments{Store: e.store}, lineHTTP)
	if err := w.Start(); err != nil {
		return run, err
	}
	defer w.Stop()

	delivered := e.line.DeliveredCount()
	from := takeCPUSnapshot()
	started := time.Now()
	b, err := engine.New(e.temporal, e.store, cfg).StartBroadcast(ctx, e.workspace, models.BroadcastInput{
		LineAccountID: accountID, SegmentID: segmentID,
		Messages: []byte(`[{"type":"text","text":"This week only: 20% off everything."}]`),
	})
	if err != nil {
		return run, err
	}
	// Poll the broadcast's row, as a client reading its progress would.
	deadline := time.Now().Add(10 * time.Minute)
	for !b.Status.Finished() {
		if time.Now().After(deadline) {
			return run, fmt.Errorf("broadcast %s not finished after 10 minutes: %s, %d of %d sent", b.ID, b.Status, b.Sent, b.Total)
		}
		select {
		case <-ctx.Done():
			return run, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if b, err = e.store.GetBroadcast(ctx, e.workspace, b.ID); err != nil {
			return run, err
		}
	}
	run.done = time.Since(started)
	run.load = measureLoad(from, takeCPUSnapshot())
	run.status, run.sent, run.total = b.Status, b.Sent, b.Total
	run.delivered = e.line.DeliveredCount() - delivered

	var calls []linefake.Call
	for _, c := range e.line.CallsTo(linefake.EndpointMulticast) {
		if c.Channel == channel.Token() && c.Status == http.StatusOK && !c.Time.Before(started) {
			calls = append(calls, c)
		}
	}
	if len(calls) < 2 {
		return run, errors.New("fewer than two multicast requests reached LINE: no rate to measure")
	}
	slices.SortFunc(calls, func(a, b linefake.Call) int { return a.Time.Compare(b.Time) })
	first, last := calls[0], calls[len(calls)-1]
	var afterFirst int
	for i, c := range calls {
		var body struct {
			To []string `json:"to"`
		}
		if err := json.Unmarshal(c.Body, &body); err != nil {
			return run, fmt.Errorf("multicast body: %w", err)
		}
		run.recipients += len(body.To)
		if i > 0 {
			afterFirst += len(body.To)
			run.gaps = append(run.gaps, c.Time.Sub(calls[i-1].Time))
		}
	}
	run.requests = len(calls)
	run.firstCall, run.lastCall = first.Time.Sub(started), last.Time.Sub(started)
	run.span = last.Time.Sub(first.Time)
	run.recipientRate = float64(afterFirst) / run.span.Seconds()
	run.requestRate = float64(len(calls)-1) / run.span.Seconds()
	if !run.exact(friends) {
		return run, fmt.Errorf("broadcast %s ended %s with %d of %d sent; LINE got %d recipients and delivered %d, want %d each",
			b.ID, b.Status, b.Sent, b.Total, run.recipients, run.delivered, friends)
	}
	return run, nil
}

func (r *report) writeP4(w writer) {
	p := r.p4
	w("## P4: segment broadcast\n\n")
	w("%d friends of a LINE account of their own (created in bulk with the Store, and as friends of the\n", p.friends)
	w("fake LINE's channel) and a segment of exactly them (`line_account eq` the account; made in %s).\n", p.seedTook.Round(100*time.Millisecond))
	w("Two broadcasts of one text message go to it through the engine (`Engine.StartBroadcast`, as\n")
	w("`POST /v1/segments/{id}/broadcasts` does): the `lumo.Broadcast` workflow copies the recipients\n")
	w("from the segment, then sends them in multicast batches of 500, each with its own retry key and\n")
	w("recorded as it is done. The first runs with `LUMO_BROADCAST_RATE=0` (no limit), the second at\n")
	w("%d requests a second; each on a worker of its own with that setting, beside the product's. The\n", p.throttled.rate)
	w("fake LINE records when each request arrived; the rates are over the span from the first\n")
	w("request's arrival to the last's, counting what arrived after the first. Every recipient got\n")
	w("the message exactly once (the fake LINE's count), and the broadcast's progress said so.\n\n")
	w("| `LUMO_BROADCAST_RATE` | requests | recipients a second | requests a second | gap between requests p50, p99 | first request | last request | completed | CPU |\n")
	w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, b := range []broadcastRun{p.unthrottled, p.throttled} {
		rate := "0 (no limit)"
		if b.rate > 0 {
			rate = fmt.Sprint(b.rate)
		}
		w("| %s | %d | %.0f | %.2f | %s, %s | %s | %s | %s | %.0f%% of the machine (this process %.0f%%) |\n", rate, b.requests, b.recipientRate, b.requestRate,
			ms(b.gaps.p50()), ms(b.gaps.p99()), ms(b.firstCall), ms(b.lastCall), ms(b.done), 100*(b.load.own+b.load.others), 100*b.load.own)
	}
	w("\n\"first request\", \"last request\" and \"completed\" count from the start: before the first\n")
	w("request the workflow starts and copies the recipients (%d pages of 2,000 friends read\n", (p.friends+1999)/2000)
	w("through the segment compiler and written to the broadcast's list); after the last, the\n")
	w("batch is recorded and the broadcast finished.\n\n")
	u := p.unthrottled
	if !p.metUnthrottled() {
		perBatch := time.Duration(0)
		if u.requests > 1 {
			perBatch = u.span / time.Duration(u.requests-1)
		}
		w("**What limits it.** Unthrottled, a batch leaves every %s: per batch the Send activity reads\n", ms(perBatch))
		w("the broadcast's row (a cancellation stops it at the next batch), the next batch's number and\n")
		w("its 500 recipients, makes the multicast request, and records the batch in its own transaction\n")
		w("(sent, failed, the request ID) before the next: one batch at a time, so that a worker killed at\n")
		w("any moment resumes at the batch it was on and sends nothing twice. Those database round trips,\n")
		w("on %s, are most of the gap.\n\n", r.database)
	}
	if !p.metThrottled() {
		w("**What limits the throttled rate.** The pacer spaces requests one interval apart from the\n")
		w("start of the one before; a batch whose database work takes longer than the interval starts late,\n")
		w("and a new Send activity (every 200 batches) starts a new pacer.\n\n")
	}
}
