package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// JourneyName is the interpreter's workflow type: every run of every user-defined
// workflow is a "lumo.Journey" in Temporal and its Web UI.
const JourneyName = "lumo.Journey"

// Signal and query names.
const (
	// ReplySignal carries a friend's reply (text or postback) to a waiting question.
	ReplySignal = "reply"
	// StateQuery returns where the run is and its variables.
	StateQuery = "state"
)

// JourneyInput is everything a run needs. The frozen version's graph travels in it, so
// editing the workflow never changes a run in flight.
type JourneyInput struct {
	WorkspaceID  string
	WorkflowID   string
	WorkflowName string
	VersionID    string
	Version      int
	ExecutionID  string
	Definition   *definition.Definition
	Friend       activities.Recipient
	// Trigger holds the triggering event's properties ({{trigger.X}}).
	Trigger map[string]string
	// Vars are the values the enrollment passed ({{vars.X}}).
	Vars map[string]string
	// ReplyToken is the triggering event's, when it had one.
	ReplyToken *ReplyToken
	Test       bool
	// Limits guard against runaway graphs; zero values mean the defaults.
	Limits RunLimits
	// Resume is set when the run continues as new: where it was.
	Resume *ResumePoint
}

// ReplyToken is a LINE reply token and when its event arrived: it is free to answer with,
// within about a minute, once.
type ReplyToken struct {
	Token      string
	ReceivedAt time.Time
}

// RunLimits bound one run.
type RunLimits struct {
	// MaxVisits caps node visits over the whole run (loops through questions included).
	MaxVisits int
	// ReplyWindow is how old a reply token may be and still be used.
	ReplyWindow time.Duration
}

// DefaultRunLimits are used for zero RunLimits fields.
var DefaultRunLimits = RunLimits{MaxVisits: 1000, ReplyWindow: 50 * time.Second}

// ResumePoint is the state a run carries across continue-as-new.
type ResumePoint struct {
	Node           string
	Visits         map[string]int
	TotalVisits    int
	ReplyToken     *ReplyToken
	PendingReplies []Reply
}

// Reply is a friend's message or postback, signalled by the webhook handler.
type Reply struct {
	Text       string
	Postback   string
	ReplyToken string
	ReceivedAt time.Time
	EventID    string
}

// JourneyState is what the state query answers.
type JourneyState struct {
	Node    string
	Kind    string
	Waiting string
	Visits  map[string]int
	Vars    map[string]string
	Trigger map[string]string
}

// JourneyResult says how a run ended.
type JourneyResult struct {
	Status   string
	LastNode string
	Visits   int
}

// ErrVisitLimit is the failure of a run that visited more nodes than its limit allows.
const ErrVisitLimit = "VisitLimitExceeded"

// Journey runs one friend through one version of a workflow: it starts at the start
// node (or where a continued run left off), runs each step, follows the outlet the step
// chose, and ends at a step without one.
func Journey(ctx workflow.Context, in JourneyInput) (JourneyResult, error) {
	j, err := newJourney(ctx, in)
	if err != nil {
		return JourneyResult{Status: statusFailed}, err
	}
	if err := workflow.SetQueryHandler(ctx, StateQuery, j.state); err != nil {
		return JourneyResult{Status: statusFailed}, err
	}
	// One version marker for every change of this interpreter (see changes.go).
	j.interpreter = workflow.GetVersion(ctx, changeInterpreter, workflow.DefaultVersion, 1)
	// The enrollment created the executions row, running at the start node.
	node := in.Definition.Start
	if in.Resume != nil {
		node = in.Resume.Node
	}
	// Runs started before exit conditions existed never listen for them.
	if len(j.def.Settings.ExitOn) > 0 && j.has(ctx, changeExitConditions) {
		var exit workflow.CancelFunc
		ctx, exit = workflow.WithCancel(ctx)
		workflow.Go(ctx, func(ctx workflow.Context) { j.listenForExit(ctx, exit) })
	}

	for node != "" {
		if j.continueAsNewSuggested(ctx) {
			return JourneyResult{}, j.continueAsNew(ctx, node)
		}
		next, err := j.visit(ctx, node)
		if err != nil {
			return j.end(ctx, node, err)
		}
		node = next
	}
	return j.end(ctx, j.lastNode, nil)
}

const (
	statusRunning   = "running"
	statusCompleted = "completed"
	statusFailed    = "failed"
	statusEjected   = "ejected"
)

// end records how the run ended: completed, failed, or ejected (cancelled by stop).
func (j *journey) end(ctx workflow.Context, node string, runErr error) (JourneyResult, error) {
	result := JourneyResult{Status: statusCompleted, LastNode: node, Visits: j.totalVisits}
	message := ""
	switch {
	case j.exitEvent != "":
		// An exit condition ended the run: a normal end for Temporal, ejected for Lumo.
		result.Status = statusEjected
		message = "exited: " + j.exitEvent
		runErr = nil
	case runErr == nil:
	case temporal.IsCanceledError(runErr) || errors.Is(ctx.Err(), workflow.ErrCanceled):
		result.Status = statusEjected
		message = "ejected"
	default:
		result.Status = statusFailed
		message = runErr.Error()
	}
	// A cancelled run still records its end: on a context Temporal does not cancel.
	done, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	j.updateExecution(done, result.Status, node, message)
	if runErr == nil {
		return result, nil
	}
	return result, runErr
}

// visit runs one node and returns the node its chosen outlet leads to ("" ends the run).
func (j *journey) visit(ctx workflow.Context, id string) (string, error) {
	node, ok := j.def.Node(id)
	if !ok {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("no node %q in the graph", id), "GraphBroken", nil)
	}
	if j.totalVisits >= j.limits.MaxVisits {
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("visited %d nodes, the limit for one run", j.limits.MaxVisits), ErrVisitLimit, nil)
	}
	j.visits[id]++
	j.totalVisits++
	j.lastNode = id
	kind := node.Base().Type
	step, ok := steps[kind]
	if !ok {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("step kind %q is not available", kind), "KindUnavailable", nil)
	}
	j.enter(ctx, id, kind)

	started := workflow.Now(ctx)
	outcome := step(ctx, j, node)
	if outcome.err != nil && outcome.outlet == "" {
		// A failure without a failed outlet ends the run as failed.
		if failed := node.Base().Failed; failed != "" && !temporal.IsCanceledError(outcome.err) {
			outcome.outlet, outcome.target = "failed", failed
		}
	}
	j.recordStep(ctx, node, started, outcome)
	if outcome.outlet == "failed" || outcome.err == nil {
		return outcome.target, nil
	}
	return "", outcome.err
}
