package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// Engine starts, signals and ejects journeys on Temporal, keeping the executions table
// in step: what the API's enrollment, reply and stop routes and the start_workflow step
// need. Its methods answer with the errors the API maps: models.ErrNotFound,
// *models.ConflictError, *models.FieldError and models.ErrUnavailable.
type Engine struct {
	Client    client.Client
	Store     *models.Store
	Namespace string
	TaskQueue string
	// Limits are passed to every run (zero fields mean the defaults).
	Limits workflows.RunLimits
}

// New is the engine for the settings: runs go to cfg's task queue with its limits.
func New(c client.Client, store *models.Store, cfg config.Config) *Engine {
	return &Engine{
		Client:    c,
		Store:     store,
		Namespace: cfg.TemporalNamespace,
		TaskQueue: cfg.TemporalTaskQueue,
		Limits:    workflows.RunLimits{MaxVisits: cfg.MaxNodeVisits, ReplyWindow: cfg.ReplyTokenWindow},
	}
}

// Enroll starts a run of the workflow's active version for one friend: it writes the
// executions row, then starts the Temporal workflow; when Temporal refuses, the row is
// removed again and the friend's existing enrollment is named.
func (e *Engine) Enroll(ctx context.Context, in models.Enrollment) (models.Execution, error) {
	w, err := e.Store.GetWorkflow(ctx, in.WorkspaceID, in.WorkflowID)
	if err != nil {
		return models.Execution{}, err
	}
	version, err := e.version(ctx, w, in)
	if err != nil {
		return models.Execution{}, err
	}
	// The version passed the limits when it was frozen; lower limits since then must not
	// stop it from running, so it is read without them.
	unlimited := definition.Limits{MaxBytes: len(version.Definition) + 1, MaxNodes: math.MaxInt32}
	def, problems := definition.Parse(version.Definition, unlimited)
	if def == nil {
		return models.Execution{}, fmt.Errorf("enroll in workflow %s: version %d does not parse: %v", w.ID, version.Version, problems)
	}
	if err := checkVars(def, in.Vars); err != nil {
		return models.Execution{}, err
	}
	friend, err := e.friend(ctx, def, in)
	if err != nil {
		return models.Execution{}, err
	}

	if in.ExecutionID != "" {
		if done, err := e.Store.GetExecution(ctx, in.WorkspaceID, in.ExecutionID); err == nil && done.TemporalRunID != "" {
			return done, nil // enrolled by an earlier attempt of the same request
		}
	}
	execution := models.Execution{
		ID:                 in.ExecutionID,
		WorkspaceID:        in.WorkspaceID,
		WorkflowID:         w.ID,
		VersionID:          version.ID,
		Version:            version.Version,
		FriendID:           friend.ID,
		LineAccountID:      friend.LineAccountID,
		TemporalWorkflowID: workflows.JourneyWorkflowID(w.ID, friend.ID),
		Status:             models.ExecutionRunning,
		CurrentNode:        def.Start,
		Test:               in.Test,
	}
	if in.Test {
		execution.TemporalWorkflowID = workflows.TestJourneyWorkflowID(w.ID, friend.ID)
	}
	if execution.ID == "" {
		execution.ID = models.NewID()
	}
	if err := e.Store.CreateExecution(ctx, execution); err != nil {
		return models.Execution{}, fmt.Errorf("enroll in workflow %s: %w", w.ID, err)
	}

	input := workflows.JourneyInput{
		WorkspaceID:  in.WorkspaceID,
		WorkflowID:   w.ID,
		WorkflowName: def.Name,
		VersionID:    version.ID,
		Version:      version.Version,
		ExecutionID:  execution.ID,
		Definition:   def,
		Friend: activities.Recipient{
			WorkspaceID:   in.WorkspaceID,
			LineAccountID: friend.LineAccountID,
			FriendID:      friend.ID,
			LineUserID:    friend.LineUserID,
		},
		Trigger: in.Trigger,
		Vars:    in.Vars,
		Limits:  e.Limits,
		Test:    in.Test,
	}
	if in.ReplyToken != "" {
		input.ReplyToken = &workflows.ReplyToken{Token: in.ReplyToken, ReceivedAt: in.ReplyTokenAt}
	}
	run, err := e.Client.ExecuteWorkflow(ctx, e.startOptions(execution, def, friend), workflows.JourneyName, input)
	if err != nil {
		return models.Execution{}, e.refused(ctx, execution, err)
	}
	if err := e.Store.SetExecutionRunID(ctx, in.WorkspaceID, execution.ID, run.GetRunID()); err != nil {
		return models.Execution{}, err
	}
	return e.Store.GetExecution(ctx, in.WorkspaceID, execution.ID)
}

// version is the version an enrollment runs: the active one, or for a test the test
// version it names.
func (e *Engine) version(ctx context.Context, w models.Workflow, in models.Enrollment) (models.WorkflowVersion, error) {
	if in.Test {
		v, err := e.Store.GetVersionByID(ctx, in.WorkspaceID, in.VersionID)
		if err == nil && v.WorkflowID != w.ID {
			err = models.ErrNotFound
		}
		if err != nil {
			return v, fmt.Errorf("test workflow %s: read test version %s: %w", w.ID, in.VersionID, err)
		}
		return v, nil
	}
	if w.Status != models.WorkflowActive {
		return models.WorkflowVersion{}, &models.ConflictError{
			Field:        "status",
			Message:      fmt.Sprintf("the workflow is %s: it takes no new enrollments", w.Status),
			FieldMessage: string(w.Status),
		}
	}
	v, err := e.Store.GetVersion(ctx, in.WorkspaceID, w.ID, w.ActiveVersion)
	if err != nil {
		return v, fmt.Errorf("enroll in workflow %s: read version %d: %w", w.ID, w.ActiveVersion, err)
	}
	return v, nil
}

// startOptions name the run after (workflow, friend) and label it for the Web UI: a
// memo with the workflow's name, a summary, and the search attributes the UI filters
// by (the current node is added by the run as it moves).
func (e *Engine) startOptions(x models.Execution, def *definition.Definition, friend models.Friend) client.StartWorkflowOptions {
	who := friend.DisplayName
	if who == "" {
		who = friend.LineUserID
	}
	return client.StartWorkflowOptions{
		ID:                                       x.TemporalWorkflowID,
		TaskQueue:                                e.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// Eager start: when a worker of this process polls the task queue (lumo dev, and
		// lumo worker, whose inbox enrolls the friends of webhook events), the start's
		// answer carries the run's first workflow task to it, skipping a trip through the
		// task queue (about 5 ms of P1's journey latency at the median, cmd/lumo-bench).
		// Without such a worker, as in lumo api, the start is a plain one.
		EnableEagerStart: true,
		Memo:             map[string]any{workflows.MemoWorkflowName: def.Name, workflows.MemoExecutionID: x.ID},
		StaticSummary:    fmt.Sprintf("%s v%d for %s", def.Name, x.Version, who),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrWorkspaceID.ValueSet(x.WorkspaceID),
			workflows.AttrWorkflowID.ValueSet(x.WorkflowID),
			workflows.AttrVersion.ValueSet(int64(x.Version)),
			workflows.AttrFriendID.ValueSet(friend.ID),
			workflows.AttrLineUserID.ValueSet(friend.LineUserID),
			workflows.AttrCurrentNode.ValueSet(def.Start),
		),
	}
}

// refused handles a start Temporal did not make: the row goes (unless this very
// execution is the one running, started by an earlier attempt), and the error says why.
func (e *Engine) refused(ctx context.Context, x models.Execution, startErr error) error {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(startErr, &started) {
		if owner, err := e.runningExecutionID(ctx, x.TemporalWorkflowID); err == nil && owner == x.ID {
			return e.Store.SetExecutionRunID(ctx, x.WorkspaceID, x.ID, started.RunId)
		}
		if err := e.Store.DiscardExecution(ctx, x.WorkspaceID, x.ID); err != nil {
			return err
		}
		return &models.ConflictError{
			Field:        "friendId",
			Message:      "the friend is already enrolled in this workflow (or in a test run of it); they may enter again once that run ends",
			FieldMessage: "already enrolled",
		}
	}
	if err := e.Store.DiscardExecution(ctx, x.WorkspaceID, x.ID); err != nil {
		return errors.Join(startErr, err)
	}
	return temporalError("start the run", startErr)
}

// runningExecutionID returns the executions row ID of the run Temporal has under
// workflowID (from its memo), running or not.
func (e *Engine) runningExecutionID(ctx context.Context, workflowID string) (string, error) {
	desc, err := e.Client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return "", err
	}
	return memoString(desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[workflows.MemoExecutionID])
}

// friend finds the friend the enrollment names: by ID, or by LINE user ID on the
// workflow's LINE account (recorded if LINE knows them and Lumo does not yet).
func (e *Engine) friend(ctx context.Context, def *definition.Definition, in models.Enrollment) (models.Friend, error) {
	if in.FriendID != "" {
		f, err := e.Store.GetFriend(ctx, in.WorkspaceID, in.FriendID)
		if errors.Is(err, models.ErrNotFound) {
			return f, &models.FieldError{Field: "friendId", Message: "names no friend of the workspace"}
		}
		if err != nil {
			return f, err
		}
		if def.LineAccountID != "" && f.LineAccountID != def.LineAccountID {
			return f, &models.FieldError{Field: "friendId", Message: "is a friend of another LINE account than the workflow's"}
		}
		if f.BlockedAt != nil && in.Trigger["type"] != definition.TriggerBlocked {
			return f, &models.FieldError{Field: "friendId", Message: "has blocked the LINE account"}
		}
		return f, nil
	}
	if def.LineAccountID == "" {
		return models.Friend{}, &models.FieldError{Field: "lineUserId", Message: "the workflow names no LINE account: enroll by friendId"}
	}
	f, err := e.Store.FriendByLineUser(ctx, in.WorkspaceID, def.LineAccountID, in.LineUserID)
	if errors.Is(err, models.ErrNotFound) {
		f, err = e.Store.UpsertFriend(ctx, in.WorkspaceID, def.LineAccountID, in.LineUserID, models.FriendProfile{})
	}
	if err != nil {
		return f, err
	}
	if f.BlockedAt != nil {
		return f, &models.FieldError{Field: "lineUserId", Message: "has blocked the LINE account"}
	}
	return f, nil
}

// checkVars refuses vars the definition does not declare: {{vars.X}} can only read
// declared names, so anything else is a caller's mistake.
func checkVars(def *definition.Definition, vars map[string]string) error {
	for name := range vars {
		if !slices.Contains(def.Vars, name) {
			declared := "none"
			if len(def.Vars) > 0 {
				declared = strings.Join(def.Vars, ", ")
			}
			return &models.FieldError{Field: "vars." + name, Message: "is not a var the workflow declares (declared: " + declared + ")"}
		}
	}
	return nil
}

// Eject ends one running execution: Temporal cancels the run (its step in progress
// records "ejected") and the row says ejected at once.
func (e *Engine) Eject(ctx context.Context, workspaceID, executionID string) (models.Execution, error) {
	x, err := e.Store.GetExecution(ctx, workspaceID, executionID)
	if err != nil {
		return x, err
	}
	if x.Status.Finished() {
		return x, &models.ConflictError{
			Field:        "status",
			Message:      fmt.Sprintf("the execution has ended (%s)", x.Status),
			FieldMessage: string(x.Status),
		}
	}
	if err := activities.EjectRun(ctx, e.Client, e.Namespace, e.Store, x, "ejected by request"); err != nil {
		return x, temporalError("eject the run", err)
	}
	return e.Store.GetExecution(ctx, workspaceID, executionID)
}

// Reply hands a friend's reply to a running execution, as the reply signal.
func (e *Engine) Reply(ctx context.Context, workspaceID, executionID string, r models.ExecutionReply) error {
	x, err := e.Store.GetExecution(ctx, workspaceID, executionID)
	if err != nil {
		return err
	}
	ended := &models.ConflictError{Field: "status", Message: "the execution has ended: there is no one to answer", FieldMessage: string(x.Status)}
	if x.Status.Finished() {
		return ended
	}
	reply := workflows.Reply{Text: r.Text, Postback: r.Postback, ReplyToken: r.ReplyToken, ReceivedAt: r.ReceivedAt, EventID: r.EventID}
	err = e.Client.SignalWorkflow(ctx, x.TemporalWorkflowID, "", workflows.ReplySignal, reply)
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		ended.FieldMessage = "ended"
		return ended
	}
	return temporalError("signal the run", err)
}

// Exit tells every running execution of a friend that an exit event happened (an
// incoming message, a manual message); each run ends if its workflow's settings name
// the event, and goes on otherwise. It returns how many runs were told.
func (e *Engine) Exit(ctx context.Context, workspaceID, friendID, event string) (int, error) {
	runs, err := e.Store.RunningExecutionsOfFriend(ctx, workspaceID, friendID)
	if err != nil {
		return 0, err
	}
	told := 0
	var errs []error
	for _, x := range runs {
		err := e.Client.SignalWorkflow(ctx, x.TemporalWorkflowID, "", workflows.ExitSignal, workflows.Exit{Event: event})
		var gone *serviceerror.NotFound
		switch {
		case err == nil:
			told++
		case !errors.As(err, &gone):
			errs = append(errs, err)
		}
	}
	return told, temporalError("signal the runs", errors.Join(errs...))
}

// EjectWorkflow starts the durable ejection of a stopped workflow's running executions
// (EjectRuns) and returns once it is under way; an ejection already running for the
// workflow is joined, not doubled.
func (e *Engine) EjectWorkflow(ctx context.Context, workspaceID, workflowID string) error {
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       "lumo-eject/" + workflowID,
		TaskQueue:                e.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            "eject every run of workflow " + workflowID,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrWorkspaceID.ValueSet(workspaceID),
			workflows.AttrWorkflowID.ValueSet(workflowID),
		),
	}, workflows.EjectRunsName, workflows.EjectRunsInput{WorkspaceID: workspaceID, WorkflowID: workflowID})
	return temporalError("start the ejection", err)
}

// temporalError wraps a failed Temporal call: unreachable or overloaded means
// models.ErrUnavailable (503, try again); anything else is a plain error (500).
func temporalError(doing string, err error) error {
	if err == nil {
		return nil
	}
	var (
		invalid   *serviceerror.InvalidArgument
		denied    *serviceerror.PermissionDenied
		namespace *serviceerror.NamespaceNotFound
	)
	if errors.As(err, &invalid) || errors.As(err, &denied) || errors.As(err, &namespace) {
		return fmt.Errorf("%s: %w", doing, err)
	}
	return fmt.Errorf("%w: %s on Temporal: %v", models.ErrUnavailable, doing, err)
}

// memoString decodes a memo value written as a string.
func memoString(p *commonpb.Payload) (string, error) {
	var s string
	if p == nil {
		return "", errors.New("no such memo")
	}
	err := converter.GetDefaultDataConverter().FromPayload(p, &s)
	return s, err
}

// deliverConcurrency bounds the inboxes one webhook signals at once.
const deliverConcurrency = 16

// DeliverLineEvents hands a webhook's events to each friend's inbox (LineInbox),
// starting the inbox if it is not running: one signal-with-start per friend, carrying
// that friend's events. It returns once Temporal holds every event, or the first error
// (the webhook then fails, and LINE redelivers: the inbox drops what it already has).
func (e *Engine) DeliverLineEvents(ctx context.Context, workspaceID, lineAccountID string, events []models.LineEvent) error {
	byUser := map[string][]models.LineEvent{}
	var users []string
	for _, ev := range events {
		if _, ok := byUser[ev.UserID]; !ok {
			users = append(users, ev.UserID)
		}
		byUser[ev.UserID] = append(byUser[ev.UserID], ev)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(deliverConcurrency)
	for _, user := range users {
		g.Go(func() error {
			id := workflows.InboxWorkflowID(lineAccountID, user)
			_, err := e.Client.SignalWithStartWorkflow(gctx, id, workflows.InboxSignal, workflows.InboxBatch{Events: byUser[user]},
				client.StartWorkflowOptions{
					ID:            id,
					TaskQueue:     e.TaskQueue,
					StaticSummary: "LINE events of " + user,
					TypedSearchAttributes: temporal.NewSearchAttributes(
						workflows.AttrWorkspaceID.ValueSet(workspaceID),
						workflows.AttrLineUserID.ValueSet(user),
					),
				},
				workflows.InboxName, workflows.InboxInput{WorkspaceID: workspaceID, LineAccountID: lineAccountID, LineUserID: user})
			return err
		})
	}
	return temporalError("hand LINE events to Temporal", g.Wait())
}
