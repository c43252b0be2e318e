package workflows

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// journey is one run's state, kept in workflow memory and rebuilt by replay.
type journey struct {
	in JourneyInput
	// interpreter is the run's changeInterpreter version (see has).
	interpreter workflow.Version
	def         *definition.Definition
	limits      RunLimits
	visits      map[string]int
	totalVisits int
	lastNode    string
	node, kind  string
	// shownNode is the LumoCurrentNode search attribute's value ("" if unknown).
	shownNode  string
	waiting    string
	replyToken *ReplyToken
	replies    workflow.ReceiveChannel
	// pending holds replies that arrived while no question waited; a question takes the
	// oldest first. Their reply tokens are kept in replyToken as they arrive.
	pending []Reply
	// exitEvent is the exit condition that ended the run, if one did.
	exitEvent string
}

func newJourney(ctx workflow.Context, in JourneyInput) (*journey, error) {
	if in.Definition == nil || in.Definition.Start == "" {
		return nil, temporal.NewNonRetryableApplicationError("the run has no graph to walk", "GraphBroken", nil)
	}
	limits := in.Limits
	if limits.MaxVisits <= 0 {
		limits.MaxVisits = DefaultRunLimits.MaxVisits
	}
	if limits.ReplyWindow <= 0 {
		limits.ReplyWindow = DefaultRunLimits.ReplyWindow
	}
	j := &journey{
		in:         in,
		def:        in.Definition,
		limits:     limits,
		visits:     map[string]int{},
		replyToken: in.ReplyToken,
		replies:    workflow.GetSignalChannel(ctx, ReplySignal),
	}
	// The start node, where the engine starts a run; a continued run's last value.
	j.shownNode, _ = workflow.GetTypedSearchAttributes(ctx).GetKeyword(AttrCurrentNode)
	if r := in.Resume; r != nil {
		maps.Copy(j.visits, r.Visits)
		j.totalVisits = r.TotalVisits
		j.replyToken = r.ReplyToken
		j.pending = r.PendingReplies
	}
	return j, nil
}

// has reports whether this run takes change (one of the journey changes of changes.go):
// all of them for a run of interpreter version 1, and as each was recorded for a run
// started before it.
func (j *journey) has(ctx workflow.Context, change string) bool {
	if j.interpreter >= 1 {
		return true
	}
	return workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) >= 1
}

func (j *journey) state() (JourneyState, error) {
	return JourneyState{
		Node:    j.node,
		Kind:    j.kind,
		Waiting: j.waiting,
		Visits:  maps.Clone(j.visits),
		Vars:    j.in.Vars,
		Trigger: j.in.Trigger,
	}, nil
}

// enter marks the run as at node: in the state query and in the LumoCurrentNode search
// attribute, so the Web UI and visibility queries see where every run is.
//
// Each upsert is a history event and a write of the run's visibility row, the largest
// share of the embedded server's database work (cmd/lumo-bench, BENCHMARKS.md). Since
// changeCurrentNodeWhereItWaits the attribute is not rewritten with the value it has
// (the start node, set when the run started) nor for tag and branch, which only read and
// write Lumo's database in local activities and move on within the same workflow task:
// nobody could see the run at them. Every step that calls LINE or another service, or
// waits for a timer or an answer, still shows.
func (j *journey) enter(ctx workflow.Context, id, kind string) {
	j.node, j.kind = id, kind
	if j.has(ctx, changeCurrentNodeWhereItWaits) {
		if kind == definition.KindTag || kind == definition.KindBranch || id == j.shownNode {
			return
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrCurrentNode.ValueSet(id)); err != nil {
		workflow.GetLogger(ctx).Warn("upsert current node", "node", id, "error", err)
		return
	}
	j.shownNode = id
}

// follow is the outcome of taking the outlet named name of node.
func follow(node definition.Node, name string) stepOutcome {
	for _, outlet := range node.Outlets() {
		if outlet.Name == name {
			return stepOutcome{outlet: name, target: outlet.Target}
		}
	}
	return stepOutcome{outlet: name}
}

// stepOutcome is what a step did: the outlet it takes (and the node that leads to), or
// the error that ends it, and what the trace records.
type stepOutcome struct {
	outlet   string
	target   string
	err      error
	lineAPI  string
	messages int
}

func failedOutcome(err error) stepOutcome { return stepOutcome{err: err} }

// Database work is short and local to the worker, so it runs as local activities: no
// round trip through the task queue, and one workflow task for a step that only touches
// the database. Repeats are harmless (every write is an upsert), which local activities
// need: one can run again if the worker dies before the task completes.
func dbOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 15 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
	})
}

// LINE pushes and rich menu calls run as local activities: a journey's latency is
// dominated by task round trips, and a push is one HTTP call. Exactly-once holds all the
// same: a push repeated after a crash or a retried workflow task carries the same X-Line-Retry-Key and LINE answers 409, which
// counts as sent. Rate limits and outages retry with backoff for up to an hour (past the
// local retry threshold the SDK waits on a timer, not in the task); refusals LINE means
// (400, 403, the monthly quota) are not retried.
func lineOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    500 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			NonRetryableErrorTypes: []string{
				activities.ErrLineRejected, activities.ErrLineQuotaExceeded, activities.ErrReplyTokenInvalid,
			},
		},
	})
}

// A reply runs as a regular activity, unlike a push. A local activity runs again when
// its workflow task is retried (a signal arriving during the task is enough), and a push
// repeated that way is harmless, being keyed; a reply has no key, so a repeat would
// find its token used and the fallback push would send the messages twice. A regular
// activity runs once per attempt, and an attempt after the first that finds the token
// used counts the messages as sent. Retries stop within the token's minute.
func replyOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Second,
			NonRetryableErrorTypes: []string{
				activities.ErrLineRejected, activities.ErrLineQuotaExceeded, activities.ErrReplyTokenInvalid,
			},
		},
		Summary: "free reply",
	})
}

// recordStep writes the trace row of this visit.
func (j *journey) recordStep(ctx workflow.Context, node definition.Node, started time.Time, outcome stepOutcome) {
	finished := workflow.Now(ctx)
	record := activities.StepRecord{
		WorkspaceID: j.in.WorkspaceID,
		ExecutionID: j.in.ExecutionID,
		WorkflowID:  j.in.WorkflowID,
		NodeID:      node.Base().ID,
		NodeType:    node.Base().Type,
		Visit:       j.visits[node.Base().ID],
		Outcome:     "succeeded",
		Outlet:      outcome.outlet,
		LineAPI:     outcome.lineAPI,
		Messages:    outcome.messages,
		StartedAt:   started,
		FinishedAt:  &finished,
	}
	switch {
	case outcome.err != nil && temporal.IsCanceledError(outcome.err):
		record.Outcome, record.Error = "ejected", "ejected"
	case outcome.err != nil:
		record.Outcome, record.Error = "failed", errorMessage(outcome.err)
	}
	// Ejection cancels ctx; the trace is written regardless.
	done, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	j.writeTrace(done, record)
}

// markWaiting writes a trace row for a step that waits (a question, a delay), so the
// trace shows where a parked run is.
func (j *journey) markWaiting(ctx workflow.Context, node definition.Node, started time.Time, waitingFor string) {
	j.waiting = waitingFor
	j.writeTrace(ctx, activities.StepRecord{
		WorkspaceID: j.in.WorkspaceID,
		ExecutionID: j.in.ExecutionID,
		WorkflowID:  j.in.WorkflowID,
		NodeID:      node.Base().ID,
		NodeType:    node.Base().Type,
		Visit:       j.visits[node.Base().ID],
		Outcome:     "waiting",
		StartedAt:   started,
	})
}

func (j *journey) writeTrace(ctx workflow.Context, record activities.StepRecord) {
	if j.in.ExecutionID == "" {
		return
	}
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.ExecutionsStepName, record).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("record step", "node", record.NodeID, "error", err)
	}
}

// updateExecution mirrors the run's status and node in its executions row.
func (j *journey) updateExecution(ctx workflow.Context, status, node, message string) {
	if j.in.ExecutionID == "" {
		return
	}
	update := activities.ExecutionUpdate{
		WorkspaceID: j.in.WorkspaceID,
		ExecutionID: j.in.ExecutionID,
		Status:      status,
		CurrentNode: node,
		Error:       message,
	}
	if status != statusRunning {
		now := workflow.Now(ctx)
		update.FinishedAt = &now
	}
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.ExecutionsUpdateName, update).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("update execution", "status", status, "error", err)
	}
}

// continueAsNewSuggested is true when the history has grown enough that Temporal
// suggests starting afresh (long loops through questions do this).
func (j *journey) continueAsNewSuggested(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew carries the run's state into a fresh history, taking along any replies
// that arrived and were not yet read (a signal left in the channel would be lost).
func (j *journey) continueAsNew(ctx workflow.Context, node string) error {
	j.drainReplies()
	in := j.in
	in.Resume = &ResumePoint{
		Node:           node,
		Visits:         maps.Clone(j.visits),
		TotalVisits:    j.totalVisits,
		ReplyToken:     j.replyToken,
		PendingReplies: j.pending,
	}
	in.ReplyToken = nil
	return workflow.NewContinueAsNewError(ctx, JourneyName, in)
}

// drainReplies moves every reply already signalled into pending, keeping the newest
// reply token.
func (j *journey) drainReplies() {
	for {
		var reply Reply
		if !j.replies.ReceiveAsync(&reply) {
			return
		}
		j.takeReply(reply)
	}
}

func (j *journey) takeReply(reply Reply) {
	j.pending = append(j.pending, reply)
	if reply.ReplyToken != "" {
		j.replyToken = &ReplyToken{Token: reply.ReplyToken, ReceivedAt: reply.ReceivedAt}
	}
}

func errorMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}

// retryKey derives the X-Line-Retry-Key of one send from the run, node and visit, so
// every attempt of that send, and every replay, carries the same key.
func (j *journey) retryKey(ctx workflow.Context, nodeID string) string {
	info := workflow.GetInfo(ctx)
	return deterministicUUID(fmt.Sprintf("%s/%s/%s/%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, nodeID, j.visits[nodeID]))
}
