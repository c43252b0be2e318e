package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/models"
)

const (
	p2TargetRate = 300
	p2TargetAck  = 50 * time.Millisecond
	// maxInFlight bounds the webhooks awaiting an answer; past it the sender falls
	// behind its rate, which the step then reports.
	maxInFlight = 512
)

// p2Result is ingest: follow events (one a webhook, each from a new friend, each
// starting the welcome journey) at rising rates, and the server's raw start rate.
type p2Result struct {
	window, grace time.Duration
	raw           rawStarts
	steps         []ingestStep
	// sustained is the highest rate that passed, 0 if none did.
	sustained int
	// outOfTime is the rate the ramp did not try for want of time (0: it stopped at a
	// rate that failed, or ran out of rates).
	outOfTime int
	free      freeCount
	cpu       *profileSummary
	elapsed   time.Duration
}

// rawStarts is the trivial workflow started as fast as the server takes it.
type rawStarts struct {
	concurrency int
	window      time.Duration
	started     int
	errors      int
	latency     sample
	// drained is how long after the first start the last run completed.
	drained time.Duration
}

func (r rawStarts) startRate() float64 { return float64(r.started) / r.window.Seconds() }
func (r rawStarts) completionRate() float64 {
	if r.drained == 0 {
		return 0
	}
	return float64(r.started) / r.drained.Seconds()
}

// ingestStep is one rate held for the window.
type ingestStep struct {
	rate     int
	sent     int
	sendTook time.Duration
	acks     sample
	failed   int // webhooks not answered 200
	// completed journeys within the grace period after the window, and in all once
	// drained (a failed step is given more time to finish, for its throughput).
	completed, completedInAll int
	// finishedAfter is when the last journey ended, counted from the first event.
	finishedAfter time.Duration
	// cores is the CPU the process used from the first event to the last completion,
	// in cores: how near the step ran to the machine's 2.
	cores float64
	pass  bool
	why   string
}

func (s ingestStep) sentRate() float64 { return float64(s.sent) / s.sendTook.Seconds() }
func (s ingestStep) throughput() float64 {
	if s.finishedAfter == 0 {
		return 0
	}
	return float64(s.completedInAll) / s.finishedAfter.Seconds()
}

func runP2(ctx context.Context, e *env, opts options) (*p2Result, error) {
	began := time.Now()
	r := &p2Result{window: opts.window, grace: opts.grace}
	var err error
	settle(ctx, 30*time.Second)
	if r.raw, err = e.rawStartRate(ctx, opts.startConcurrency, opts.startWindow); err != nil {
		return nil, fmt.Errorf("raw start rate: %w", err)
	}
	fmt.Printf("  P2 raw StartWorkflow: %.0f starts/s at concurrency %d, all %d completed at %.0f/s\n",
		r.raw.startRate(), r.raw.concurrency, r.raw.started, r.raw.completionRate())

	// Each rate starts on a server that has worked off what came before.
	waited := settle(ctx, time.Minute)
	fmt.Printf("  P2 (settled for %s after the raw starts)\n", waited.Round(100*time.Millisecond))
	stopProfile, err := startCPUProfile(filepath.Join(opts.workDir, "cpu-p2-ingest.pprof"))
	if err != nil {
		return nil, err
	}
	var users []string
	for _, rate := range opts.rates {
		// A step takes its window, up to its grace period, and the settling after it.
		if time.Until(opts.deadline) < opts.window+opts.grace+30*time.Second {
			r.outOfTime = rate
			fmt.Printf("  P2 %d events/s not tried: it could not end within -budget %s\n", rate, opts.budget)
			break
		}
		step, stepUsers, err := e.ingest(ctx, rate, opts.window, opts.grace)
		if err != nil {
			return nil, err
		}
		users = append(users, stepUsers...)
		r.steps = append(r.steps, step)
		fmt.Printf("  P2 %d events/s: sent %d at %.0f/s, ack p50 %s p99 %s, %d failed, %d/%d journeys completed within %s (%d in all, %.0f/s), %.1f cores busy: %s\n",
			rate, step.sent, step.sentRate(), ms(step.acks.p50()), ms(step.acks.p99()), step.failed,
			step.completed, step.sent, opts.grace, step.completedInAll, step.throughput(), step.cores, passOrWhy(step))
		if !step.pass {
			break
		}
		r.sustained = rate
		settle(ctx, 30*time.Second)
	}
	if r.cpu, err = stopProfile(); err != nil {
		return nil, err
	}
	for _, user := range users {
		if got := e.line.Delivered(user); len(got) > 0 {
			r.free.add(got[0].Via)
		}
	}
	r.elapsed = time.Since(began)
	return r, nil
}

func passOrWhy(s ingestStep) string {
	if s.pass {
		return "sustained"
	}
	return "not sustained: " + s.why
}

// rawStartRate starts the no-op workflow with bounded concurrency for the window, then
// waits until every run has completed.
func (e *env) rawStartRate(ctx context.Context, concurrency int, window time.Duration) (rawStarts, error) {
	r := rawStarts{concurrency: concurrency, window: window}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next atomic.Int64
	)
	began := time.Now()
	deadline := began.Add(window)
	for range concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				id := fmt.Sprintf("bench-noop/%d", next.Add(1))
				t0 := time.Now()
				_, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.cfg.TemporalTaskQueue}, noopName)
				took := time.Since(t0)
				mu.Lock()
				if err != nil {
					r.errors++
				} else {
					r.started++
					r.latency = append(r.latency, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Visibility says when none is left running (it lags the runs by a little).
	for {
		res, err := e.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", noopName),
		})
		if err != nil {
			return r, err
		}
		if res.GetCount() == 0 {
			break
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return r, err
		}
	}
	r.drained = time.Since(began)
	return r, nil
}

// ingest sends rate follow events a second for the window, each from a new friend, then
// waits up to grace for every journey to complete.
func (e *env) ingest(ctx context.Context, rate int, window, grace time.Duration) (ingestStep, []string, error) {
	step := ingestStep{rate: rate}
	n := int(float64(rate) * window.Seconds())
	users := make([]string, n)
	for i := range users {
		users[i] = e.channel.AddFriend(linefake.Profile{DisplayName: fmt.Sprintf("P2 %d/%d", rate, i)}).UserID
	}
	before, err := e.countCompleted(ctx)
	if err != nil {
		return step, nil, err
	}

	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		inFlight = make(chan struct{}, maxInFlight)
	)
	interval := time.Second / time.Duration(rate)
	cpu := cpuTime()
	began := time.Now()

	for i, user := range users {
		if wait := time.Until(began.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		inFlight <- struct{}{}
		wg.Go(func() {
			defer func() { <-inFlight }()
			status, took, err := e.postSigned(ctx, e.lumoWebhookURL(), linefake.CallbackBody(e.followEvent(user)))
			mu.Lock()
			defer mu.Unlock()
			if err != nil || status != http.StatusOK {
				step.failed++
				return
			}
			step.acks = append(step.acks, took)
		})
	}
	step.sendTook = time.Since(began)
	wg.Wait()
	step.sent = n
	windowEnd := time.Now()

	// Every journey must complete within the grace period after the window.
	for {
		done, err := e.countCompleted(ctx)
		if err != nil {
			return step, users, err
		}
		step.completed = int(done - before)
		if step.completed >= n || time.Since(windowEnd) > grace {
			break
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return step, users, err
		}
	}
	step.completedInAll = step.completed
	// A step that falls behind is given up to half a minute more, for its throughput
	// and so that its backlog does not weigh on what comes after.
	for step.completedInAll < n && time.Since(windowEnd) < grace+30*time.Second {
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return step, users, err
		}
		done, err := e.countCompleted(ctx)
		if err != nil {
			return step, users, err
		}
		step.completedInAll = int(done - before)
	}
	last, err := e.lastFinished(ctx)
	if err != nil {
		return step, users, err
	}
	step.finishedAfter = last.Sub(began)
	step.cores = (cpuTime() - cpu).Seconds() / time.Since(began).Seconds()

	switch {
	case step.failed > 0:
		step.why = fmt.Sprintf("%d webhooks not answered 200", step.failed)
	case step.acks.p99() > p2TargetAck:
		step.why = fmt.Sprintf("ack p99 %s > %s", ms(step.acks.p99()), ms(p2TargetAck))
	case step.completed < n:
		step.why = fmt.Sprintf("%d of %d journeys still running %s after the window", n-step.completed, n, grace)
	case step.sentRate() < 0.95*float64(rate):
		step.why = fmt.Sprintf("the sender reached only %.0f events/s", step.sentRate())
	default:
		step.pass = true
	}
	return step, users, nil
}

// countCompleted counts the welcome journey's completed executions.
func (e *env) countCompleted(ctx context.Context) (int64, error) {
	var n int64
	err := e.store.DB().WithContext(ctx).Model(&models.Execution{}).
		Where("workflow_id = ? AND status = ?", e.welcomeWorkflow, models.ExecutionCompleted).Count(&n).Error
	return n, err
}

// lastFinished is when the welcome journey's latest execution ended.
func (e *env) lastFinished(ctx context.Context) (time.Time, error) {
	var x models.Execution
	err := e.store.DB().WithContext(ctx).Where("workflow_id = ? AND finished_at IS NOT NULL", e.welcomeWorkflow).
		Order("finished_at DESC").Limit(1).Take(&x).Error
	if err != nil || x.FinishedAt == nil {
		return time.Time{}, err
	}
	return *x.FinishedAt, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (r *p2Result) summary() string {
	sustained := "none of the rates tried"
	if r.sustained > 0 {
		sustained = fmt.Sprintf("%d events/s", r.sustained)
	}
	return fmt.Sprintf("P2 ingest: highest rate sustained %s (target ≥ %d: %s); raw StartWorkflow %.0f/s (%.0f completed/s); %s",
		sustained, p2TargetRate, verdict(r.sustained >= p2TargetRate), r.raw.startRate(), r.raw.completionRate(), r.elapsed.Round(time.Second))
}
