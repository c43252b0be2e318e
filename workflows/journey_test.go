package workflows_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/internal/egress"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

// journeyWorld is one friend of one LINE account, with the real Store, the real
// activities and the fake LINE behind them.
type journeyWorld struct {
	store   *models.Store
	line    *linefake.Server
	channel *linefake.Channel
	input   workflows.JourneyInput
	env     *testsuite.TestWorkflowEnvironment
	// sendDataAllow is the worker's LUMO_SEND_DATA_ALLOW: send_data steps reach a
	// receiver on loopback only when it names it.
	sendDataAllow egress.AllowList
}

func newJourneyWorld(t *testing.T, doc string) *journeyWorld {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	store := testenv.Store(t, db)
	ws, _ := testenv.Workspace(t, store, "acme")

	line := linefake.New()
	t.Cleanup(line.Close)
	channel := line.AddChannel("token-" + strings.Repeat("a", 20))
	profile := channel.AddFriend(linefake.Profile{DisplayName: "Mina"})

	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Shop", ChannelID: "1650000000", ChannelSecret: strings.Repeat("0", 32), ChannelAccessToken: channel.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	friend, err := store.UpsertFriend(ctx, ws.ID, account.ID, profile.UserID, models.FriendProfile{DisplayName: "Mina"})
	if err != nil {
		t.Fatal(err)
	}
	def, problems := definition.Parse([]byte(strings.Replace(doc, `"trigger"`, `"lineAccountId": "`+account.ID+`", "trigger"`, 1)), definition.DefaultLimits)
	if len(problems) > 0 {
		t.Fatalf("definition: %v", problems)
	}
	frozen, err := definition.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	w, err := store.CreateWorkflow(ctx, ws.ID, models.WorkflowInput{Name: def.Name, TriggerType: def.Trigger.Type, Document: frozen}, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	w, version, err := store.Activate(ctx, ws.ID, w.ID, models.Activation{Document: frozen, TriggerType: def.Trigger.Type, LineAccountID: &account.ID, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	execution := models.Execution{
		ID: models.NewID(), WorkspaceID: ws.ID, WorkflowID: w.ID, VersionID: version.ID, Version: version.Version,
		FriendID: friend.ID, LineAccountID: account.ID, TemporalWorkflowID: "journey-test", CurrentNode: def.Start,
	}
	if err := store.CreateExecution(ctx, execution); err != nil {
		t.Fatal(err)
	}

	world := &journeyWorld{
		store: store, line: line, channel: channel,
		input: workflows.JourneyInput{
			WorkspaceID: ws.ID, WorkflowID: w.ID, WorkflowName: w.Name, VersionID: version.ID, Version: version.Version,
			ExecutionID: execution.ID, Definition: def,
			Friend: activities.Recipient{WorkspaceID: ws.ID, LineAccountID: account.ID, FriendID: friend.ID, LineUserID: profile.UserID},
		},
	}
	world.env = newEnvFor(t, world)
	return world
}

// newEnvFor is a fresh test environment (time skipping, the real activities) for the
// world's store and fake LINE: one per run, so a continued run gets its own.
func newEnvFor(t *testing.T, w *journeyWorld) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	worker.RegisterJourney(env, config.Config{LineAPIURL: w.line.URL(), SendDataAllow: w.sendDataAllow}, w.store, http.DefaultClient)
	return env
}

// replyAfter has the friend answer text after d, with a fresh reply token.
func (w *journeyWorld) replyAfter(d time.Duration, text string) {
	w.env.RegisterDelayedCallback(func() {
		token := w.channel.IssueReplyToken(w.input.Friend.LineUserID, time.Minute)
		w.env.SignalWorkflow(workflows.ReplySignal, workflows.Reply{Text: text, ReplyToken: token, ReceivedAt: w.env.Now()})
	}, d)
}

func (w *journeyWorld) run(t *testing.T) workflows.JourneyResult {
	t.Helper()
	w.env.ExecuteWorkflow(workflows.JourneyName, w.input)
	if !w.env.IsWorkflowCompleted() {
		t.Fatal("the journey did not complete")
	}
	var result workflows.JourneyResult
	if err := w.env.GetWorkflowError(); err == nil {
		if err := w.env.GetWorkflowResult(&result); err != nil {
			t.Fatal(err)
		}
	}
	return result
}

// delivered lists "via:text" of every message the friend received, in order.
func (w *journeyWorld) delivered() []string {
	var out []string
	for _, m := range w.line.Delivered(w.input.Friend.LineUserID) {
		out = append(out, string(m.Via)+":"+m.Text)
	}
	return out
}

func (w *journeyWorld) steps(t *testing.T) []string {
	t.Helper()
	rows, err := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.NodeID+":"+r.Outcome+":"+r.Outlet)
	}
	return out
}

func TestJourney_ReplyAfterSixDaysTakesTheBranchAndAnswersForFree(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.replyAfter(6*24*time.Hour, " coffee ")
	result := w.run(t)
	if result.Status != "completed" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	want := []string{"push:Welcome, Mina!", "push:Coffee or tea?", "reply:Enjoy your Coffee, Mina!"}
	if got := w.delivered(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	friend, err := w.store.GetFriend(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID)
	if err != nil || friend.Fields["drink"] != "Coffee" {
		t.Fatalf("friend fields = %v, %v", friend.Fields, err)
	}
	tags, _ := w.store.FriendTags(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID)
	if strings.Join(tags, ",") != "coffee" {
		t.Fatalf("tags = %v", tags)
	}
	wantSteps := []string{"hello:succeeded:next", "ask:succeeded:next", "sort:succeeded:branches[0].next", "coffee:succeeded:next", "thanks:succeeded:next"}
	if got := w.steps(t); strings.Join(got, "|") != strings.Join(wantSteps, "|") {
		t.Fatalf("trace %v, want %v", got, wantSteps)
	}
	execution, err := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if err != nil || execution.Status != models.ExecutionCompleted || execution.FinishedAt == nil {
		t.Fatalf("execution = %+v, %v", execution, err)
	}
}

func TestJourney_SevenDaysWithoutAnswerTakesTimedOut(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.replyAfter(8*24*time.Hour, "Coffee") // too late: the run has ended
	result := w.run(t)
	if result.Status != "completed" || result.LastNode != "bye" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	if got := w.delivered(); len(got) != 3 || got[2] != "push:Maybe next time." {
		t.Fatalf("delivered %v", got)
	}
	if got := w.steps(t); got[1] != "ask:succeeded:timedOut" {
		t.Fatalf("trace %v", got)
	}
}

func TestJourney_InvalidAnswerTakesInvalid(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.replyAfter(time.Hour, "Juice")
	result := w.run(t)
	if result.LastNode != "again" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	// The reply token of the invalid answer pays for the next message.
	if got := w.delivered(); got[2] != "reply:Please pick Coffee or Tea." {
		t.Fatalf("delivered %v", got)
	}
}

func TestJourney_CancelWhileWaitingEjectsTheRun(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.env.RegisterDelayedCallback(w.env.CancelWorkflow, 2*24*time.Hour)
	w.run(t)
	execution, err := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if err != nil || execution.Status != models.ExecutionEjected {
		t.Fatalf("execution = %+v, %v", execution, err)
	}
	if got := w.steps(t); got[len(got)-1] != "ask:ejected:" {
		t.Fatalf("trace %v", got)
	}
}

func TestJourney_LineRefusalEndsTheRunAsFailed(t *testing.T) {
	w := newJourneyWorld(t, testenv.SurveyDefinition)
	w.channel.SetMonthlyQuota(0)
	w.run(t)
	if err := w.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "monthly limit") {
		t.Fatalf("workflow error = %v, want the monthly limit", err)
	}
	execution, _ := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if execution.Status != models.ExecutionFailed || !strings.Contains(execution.Error, "monthly limit") {
		t.Fatalf("execution = %+v", execution)
	}
}
