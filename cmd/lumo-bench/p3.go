package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// questionDoc is the journey of P3: a question, then a thank-you naming the answer.
const questionDoc = `{
  "name": "Bench question",
  "trigger": {"type": "manual"},
  "start": "ask",
  "nodes": [
    {"id": "ask", "type": "question", "message": {"type": "text", "text": "Coffee or tea?"},
     "answer": {"type": "choice", "choices": ["Coffee", "Tea"]}, "saveTo": {"field": "drink"},
     "timeout": "168h", "next": "thanks", "invalid": "thanks", "timedOut": "bye"},
    {"id": "thanks", "type": "send_message", "messages": [{"type": "text", "text": "{{friend.fields.drink}} it is. Thank you!"}]},
    {"id": "bye", "type": "send_message", "messages": [{"type": "text", "text": "Maybe next time."}]}
  ]
}`

const (
	p3TargetRSS   = 512 << 20
	p3TargetReply = 250 * time.Millisecond
	// enrollConcurrency is how many enrollments are in flight while parking.
	enrollConcurrency = 16
)

// p3Result is many friends parked on a question: the process's memory once they all
// wait, and how fast a reply brings the next message.
type p3Result struct {
	parkedRuns int
	enrollTook time.Duration
	// before is the memory before enrolling; parked when the last run parked, while the
	// server still works off the parking (visibility writes, task completions); settled
	// once the process is idle again, settleTook later: the memory of parked runs.
	before, parked, settled memory
	settleTook              time.Duration
	enrollCPU               *profileSummary
	heap                    *profileSummary
	replies                 sample
	replyFailed             int
	// steps split each reply along its histories' milestones.
	steps   breakdown
	free    freeCount
	elapsed time.Duration
}

func (r *p3Result) metRSS() bool      { return r.settled.rss <= p3TargetRSS }
func (r *p3Result) parkRate() float64 { return float64(r.parkedRuns) / r.enrollTook.Seconds() }
func (r *p3Result) metReply() bool    { return r.replyFailed == 0 && r.replies.p99() <= p3TargetReply }

func runP3(ctx context.Context, e *env, opts options) (*p3Result, error) {
	began := time.Now()
	r := &p3Result{parkedRuns: opts.parked}
	workflowID, err := e.activeWorkflow(ctx, parseDoc(questionDoc))
	if err != nil {
		return nil, err
	}

	// The friends, in bulk: on the fake LINE, and in the database as a follow would
	// have recorded them.
	users := make([]string, opts.parked)
	friends := make([]models.Friend, opts.parked)
	now := time.Now().UTC()
	for i := range users {
		name := fmt.Sprintf("P3 %05d", i)
		users[i] = e.channel.AddFriend(linefake.Profile{DisplayName: name}).UserID
		friends[i] = models.Friend{
			ID: models.NewID(), WorkspaceID: e.workspace, LineAccountID: e.account, LineUserID: users[i],
			DisplayName: name, FollowedAt: &now, Fields: map[string]any{},
		}
	}
	if err := e.store.DB().WithContext(ctx).CreateInBatches(friends, 500).Error; err != nil {
		return nil, fmt.Errorf("create friends: %w", err)
	}

	// Park them: every enrollment through the engine, as the API's enroll route does.
	settle(ctx, time.Minute)
	r.before = readMemory(true) // RSS first, then a collection for the live heap
	delivered := e.line.DeliveredCount()
	enrollStarted := time.Now()
	stopProfile, err := startCPUProfile(filepath.Join(opts.workDir, "cpu-p3-enroll.pprof"))
	if err != nil {
		return nil, err
	}
	if err := e.enrollAll(ctx, workflowID, friends); err != nil {
		return nil, err
	}
	if err := e.waitParked(ctx, workflowID, delivered+opts.parked, opts.parked); err != nil {
		return nil, err
	}
	r.enrollTook = time.Since(enrollStarted)
	if r.enrollCPU, err = stopProfile(); err != nil {
		return nil, err
	}
	// No collection is forced before the figures the target is read from: the process
	// keeps the memory it would keep on its own.
	r.parked = readMemory(false)
	fmt.Printf("  P3 %d parked in %s (%.0f a second), VmRSS %s (%s before enrolling)\n",
		opts.parked, r.enrollTook.Round(100*time.Millisecond), r.parkRate(), mib(r.parked.rss), mib(r.before.rss))
	r.settleTook = settle(ctx, time.Minute)
	r.settled = readMemory(true) // RSS first, then a collection for the live heap
	if r.heap, err = writeHeapProfile(filepath.Join(opts.workDir, "heap-p3-parked.pprof")); err != nil {
		return nil, err
	}
	fmt.Printf("  P3 settled %s later: VmRSS %s, Go heap live %s\n",
		r.settleTook.Round(100*time.Millisecond), mib(r.settled.rss), mib(r.settled.heapLive))

	// Replies, one at a time, from friends spread over the parked set.
	type reply struct {
		user, friend string
		sent, at     time.Time
	}
	var measured []reply
	for i := range opts.replies {
		k := i * opts.parked / opts.replies
		user := users[k]
		sent := time.Now()
		if _, err := e.deliver(ctx, e.textEvent(user, "Coffee")); err != nil {
			return nil, fmt.Errorf("reply %d: %w", i, err)
		}
		wait, cancel := context.WithTimeout(ctx, 30*time.Second)
		got, err := e.line.WaitForMessages(wait, user, 2)
		cancel()
		if err != nil {
			r.replyFailed++
			continue
		}
		r.replies = append(r.replies, got[1].Time.Sub(sent))
		r.free.add(got[1].Via)
		measured = append(measured, reply{user: user, friend: friends[k].ID, sent: sent, at: got[1].Time})
	}
	// Where the time goes, from the histories (read after the measurement).
	for _, m := range measured {
		inbox, err := e.history(ctx, workflows.InboxWorkflowID(e.account, m.user))
		if err != nil {
			return nil, err
		}
		journey, err := e.history(ctx, workflows.JourneyWorkflowID(workflowID, m.friend))
		if err != nil {
			return nil, err
		}
		r.steps.add(replyTimeline(m.sent, m.at, inbox, journey))
	}
	r.elapsed = time.Since(began)
	return r, nil
}

// replyTimeline puts one reply's milestones in order, each named for what happened
// since the one before.
func replyTimeline(sent, delivered time.Time, inbox, journey history) timeline {
	var t timeline
	t.mark("", sent)
	t.mark("API: signature, dedupe, signal-with-start of the friend's inbox", inbox.started())
	t.mark("inbox's first workflow task reaches the worker", inbox.nth(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1))
	signaled := journey.nth(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1)
	t.mark("inbox task: friend and waiting question looked up (local activities); its signal reaches the journey", signaled)
	t.mark("journey's workflow task reaches the worker", journey.taskStartedAfter(signaled))
	scheduled, started, _ := journey.activity(activities.LineReplyName)
	t.mark("journey task (a replay first if the run was evicted from the worker's cache): answer saved, trace rows, snapshot; schedules the reply", scheduled)
	t.mark("reply activity reaches the worker", started)
	t.mark("reply call to LINE", delivered)
	return t
}

// enrollAll enrolls every friend in the workflow, a few at a time.
func (e *env) enrollAll(ctx context.Context, workflowID string, friends []models.Friend) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan models.Friend)
	)
	for range enrollConcurrency {
		wg.Go(func() {
			for f := range next {
				_, err := e.engine.Enroll(ctx, models.Enrollment{WorkspaceID: e.workspace, WorkflowID: workflowID, FriendID: f.ID})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("enroll %s: %w", f.ID, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, f := range friends {
		next <- f
	}
	close(next)
	wg.Wait()
	return firstErr
}

// waitParked waits until every question has gone out and every run's trace says it
// waits for the answer.
func (e *env) waitParked(ctx context.Context, workflowID string, messages, runs int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var waiting int64
		err := e.store.DB().WithContext(ctx).Model(&models.ExecutionStep{}).
			Where("workflow_id = ? AND node_id = ? AND outcome = ?", workflowID, "ask", "waiting").Count(&waiting).Error
		if err != nil {
			return err
		}
		if e.line.DeliveredCount() >= messages && int(waiting) >= runs {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d runs parked after 10 minutes", waiting, runs)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

func (r *p3Result) summary() string {
	return fmt.Sprintf("P3 parked: %d friends parked, VmRSS %s (target ≤ %s: %s); reply → next message p50 %s p99 %s over %d replies (target ≤ %s: %s); %s",
		r.parkedRuns, mib(r.settled.rss), mib(p3TargetRSS), verdict(r.metRSS()), ms(r.replies.p50()), ms(r.replies.p99()), len(r.replies),
		ms(p3TargetReply), verdict(r.metReply()), r.elapsed.Round(time.Second))
}
