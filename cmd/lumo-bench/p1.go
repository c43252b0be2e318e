package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/workflows"
)

// welcomeDoc is the journey of P1 and P2: five steps on friend_added.
const welcomeDoc = `{
  "name": "Bench welcome",
  "trigger": {"type": "friend_added"},
  "start": "hello",
  "nodes": [
    {"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}], "next": "tag"},
    {"id": "tag", "type": "tag", "add": ["welcomed"], "next": "sort"},
    {"id": "sort", "type": "branch", "branches": [{"when": {"tag": "welcomed"}, "next": "tips"}], "else": "bye"},
    {"id": "tips", "type": "send_message", "messages": [{"type": "text", "text": "` + tipsText + `"}], "next": "bye"},
    {"id": "bye", "type": "send_message", "messages": [{"type": "text", "text": "` + byeText + `"}]}
  ]
}`

const (
	tipsText = "Tap the menu below for this week's offers."
	byeText  = "See you soon!"
	// welcomeMessages is how many messages the journey sends.
	welcomeMessages = 3
)

func parseDoc(doc string) map[string]any {
	var def map[string]any
	if err := json.Unmarshal([]byte(doc), &def); err != nil {
		panic(fmt.Sprintf("benchmark definition: %v", err))
	}
	return def
}

// p1Result is the journey latency: from a signed follow webhook to the journey's last
// message at LINE, for Lumo and for the hand-written baseline.
type p1Result struct {
	rounds, warmup int
	lumo, hand     sample
	lumoAck        sample
	handAck        sample
	lumoCPU        sample
	handCPU        sample
	// breakdowns split each measured run along its history's milestones.
	lumoSteps, handSteps breakdown
	// Events per run (history events of the inbox and of the journey, and of the
	// hand-written workflow), from the last measured round.
	inboxEvents, journeyEvents, handEvents eventCount
	free                                   freeCount
	elapsed                                time.Duration
}

const (
	p1TargetP50   = 60 * time.Millisecond
	p1TargetP99   = 200 * time.Millisecond
	p1TargetRatio = 1.2
)

func (r *p1Result) ratio() float64 {
	if r.hand.p50() == 0 {
		return 0
	}
	return float64(r.lumo.p50()) / float64(r.hand.p50())
}

func (r *p1Result) metP50() bool   { return r.lumo.p50() <= p1TargetP50 }
func (r *p1Result) metP99() bool   { return r.lumo.p99() <= p1TargetP99 }
func (r *p1Result) metRatio() bool { return r.ratio() <= p1TargetRatio }

// journeyRun is one measured round of one side.
type journeyRun struct {
	user     string
	eventID  string
	sent     time.Time
	ack      time.Duration
	messages []linefake.DeliveredMessage
	// cpu is the process's CPU time from the webhook to the end of the run (the inbox
	// too): what one run costs, on a machine doing nothing else.
	cpu time.Duration
}

func (j journeyRun) latency() time.Duration { return j.messages[len(j.messages)-1].Time.Sub(j.sent) }

func runP1(ctx context.Context, e *env, opts options) (*p1Result, error) {
	began := time.Now()
	r := &p1Result{rounds: opts.rounds, warmup: opts.warmup}
	workflowID, err := e.activeWorkflow(ctx, parseDoc(welcomeDoc))
	if err != nil {
		return nil, err
	}
	e.welcomeWorkflow = workflowID
	settle(ctx, 30*time.Second)

	var lumoRuns, handRuns []journeyRun
	for i := range opts.warmup + opts.rounds {
		measured := i >= opts.warmup
		// Alternate which side goes first, so that neither always runs right after the
		// other's tail.
		sides := []bool{true, false}
		if i%2 == 1 {
			sides = []bool{false, true}
		}
		for _, lumo := range sides {
			run, err := e.p1Round(ctx, lumo, i)
			if err != nil {
				return nil, err
			}
			if !measured {
				continue
			}
			if lumo {
				lumoRuns = append(lumoRuns, run)
				r.lumo = append(r.lumo, run.latency())
				r.lumoAck = append(r.lumoAck, run.ack)
				r.lumoCPU = append(r.lumoCPU, run.cpu)
			} else {
				handRuns = append(handRuns, run)
				r.hand = append(r.hand, run.latency())
				r.handAck = append(r.handAck, run.ack)
				r.handCPU = append(r.handCPU, run.cpu)
			}
		}
	}

	// Where the time goes, from each run's history (read after the measurement).
	for i, run := range lumoRuns {
		inbox, journey, err := e.lumoHistories(ctx, run.user)
		if err != nil {
			return nil, err
		}
		r.lumoSteps.add(lumoTimeline(run, inbox, journey))
		r.free.add(run.messages[0].Via)
		if i == len(lumoRuns)-1 {
			r.inboxEvents, r.journeyEvents = inbox.count(), journey.count()
		}
	}
	for i, run := range handRuns {
		h, err := e.history(ctx, "bench-hand/"+run.eventID)
		if err != nil {
			return nil, err
		}
		r.handSteps.add(handTimeline(run, h))
		if i == len(handRuns)-1 {
			r.handEvents = h.count()
		}
	}
	r.elapsed = time.Since(began)
	return r, nil
}

// p1Round runs one journey for a new friend, on Lumo or on the hand-written baseline,
// and waits until the run has ended, so that rounds do not overlap.
func (e *env) p1Round(ctx context.Context, lumo bool, i int) (run journeyRun, err error) {
	side, url := "lumo", e.lumoWebhookURL()
	if !lumo {
		side, url = "hand", e.hand.URL
	}
	user := e.channel.AddFriend(linefake.Profile{DisplayName: fmt.Sprintf("P1 %s %d", side, i)}).UserID
	event := e.followEvent(user)
	cpu := cpuTime()
	run = journeyRun{user: user, eventID: event["webhookEventId"].(string), sent: time.Now()}
	defer func() { run.cpu = cpuTime() - cpu }()
	status, ack, err := e.postSigned(ctx, url, linefake.CallbackBody(event))
	if err != nil || status != 200 {
		return run, fmt.Errorf("P1 %s round %d: webhook answered %d: %v", side, i, status, err)
	}
	run.ack = ack
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if run.messages, err = e.line.WaitForMessages(wait, user, welcomeMessages); err != nil {
		return run, fmt.Errorf("P1 %s round %d: %w", side, i, err)
	}
	if !lumo {
		return run, e.temporal.GetWorkflow(wait, "bench-hand/"+run.eventID, "").Get(wait, nil)
	}
	friend, err := e.store.FriendByLineUser(wait, e.workspace, e.account, user)
	if err != nil {
		return run, err
	}
	if err := e.temporal.GetWorkflow(wait, workflows.JourneyWorkflowID(e.welcomeWorkflow, friend.ID), "").Get(wait, nil); err != nil {
		return run, fmt.Errorf("P1 round %d: journey: %w", i, err)
	}
	return run, e.temporal.GetWorkflow(wait, workflows.InboxWorkflowID(e.account, user), "").Get(wait, nil)
}

// lumoHistories reads the histories of a friend's inbox and welcome journey.
func (e *env) lumoHistories(ctx context.Context, user string) (inbox, journey history, err error) {
	friend, err := e.store.FriendByLineUser(ctx, e.workspace, e.account, user)
	if err != nil {
		return inbox, journey, err
	}
	if inbox, err = e.history(ctx, workflows.InboxWorkflowID(e.account, user)); err != nil {
		return inbox, journey, err
	}
	journey, err = e.history(ctx, workflows.JourneyWorkflowID(e.welcomeWorkflow, friend.ID))
	return inbox, journey, err
}

// lumoTimeline puts one Lumo run's milestones in order; each is named for what
// happened since the one before.
func lumoTimeline(run journeyRun, inbox, journey history) timeline {
	var t timeline
	t.mark("", run.sent)
	t.mark("API: signature, dedupe, signal-with-start of the friend's inbox", inbox.started())
	t.mark("inbox's first workflow task reaches the worker", inbox.nth(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1))
	// The inbox enrolls through a regular activity, or (since changeInboxLocalEnroll) a
	// local one, which leaves no activity events to time.
	if enrollScheduled, enrollStarted, _ := inbox.activity(activities.WorkflowsStartName); !enrollScheduled.IsZero() {
		t.mark("inbox task: friend record (LINE profile, DB), trigger lookup; schedules the enrolment", enrollScheduled)
		t.mark("enrolment activity reaches the worker", enrollStarted)
		t.mark("enrolment: definition and friend reads, executions row, StartWorkflow", journey.started())
	} else {
		t.mark("inbox task: friend record (LINE profile, DB), trigger lookup, enrolment (definition and friend reads, executions row, StartWorkflow), all local activities", journey.started())
	}
	t.mark("journey's first workflow task reaches the worker", journey.nth(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1))
	replyScheduled, replyStarted, _ := journey.activity(activities.LineReplyName)
	t.mark("journey task: snapshot for the template, trace row; schedules the reply", replyScheduled)
	t.mark("reply activity reaches the worker", replyStarted)
	t.mark("reply call to LINE (credentials read, HTTP)", run.messages[0].Time)
	t.mark("reply completes; the journey's next workflow task reaches the worker", journey.taskStartedAfter(run.messages[0].Time))
	t.mark("trace rows, tag, branch snapshot, two pushes (local activities)", run.messages[len(run.messages)-1].Time)
	return t
}

// handTimeline is the same for the hand-written baseline.
func handTimeline(run journeyRun, h history) timeline {
	var t timeline
	t.mark("", run.sent)
	t.mark("handler: signature, StartWorkflow", h.started())
	t.mark("first workflow task reaches the worker", h.nth(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1))
	replyScheduled, replyStarted, _ := h.activity(activities.LineReplyName)
	t.mark("task: friend record (LINE profile, DB), snapshot; schedules the reply", replyScheduled)
	t.mark("reply activity reaches the worker", replyStarted)
	t.mark("reply call to LINE (credentials read, HTTP)", run.messages[0].Time)
	t.mark("reply completes; the next workflow task reaches the worker", h.taskStartedAfter(run.messages[0].Time))
	t.mark("tag, branch snapshot, two pushes (local activities)", run.messages[len(run.messages)-1].Time)
	return t
}

func (r *p1Result) summary() string {
	return fmt.Sprintf("P1 journey latency: Lumo p50 %s p99 %s (targets ≤ %s, ≤ %s: %s, %s); hand-written p50 %s p99 %s; ratio %.2f (target ≤ %.1f: %s); %d rounds; %s",
		ms(r.lumo.p50()), ms(r.lumo.p99()), ms(p1TargetP50), ms(p1TargetP99), verdict(r.metP50()), verdict(r.metP99()),
		ms(r.hand.p50()), ms(r.hand.p99()), r.ratio(), p1TargetRatio, verdict(r.metRatio()), r.rounds, r.elapsed.Round(time.Second))
}
