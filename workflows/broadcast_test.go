package workflows_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

// everyone stands in for a segment whose conditions select every friend of the
// workspace: the segment language is tested in its own package, and what the broadcast
// does with a segment's members is what these tests are about. It reads the friends
// table as the segments' members query does (not blocked, friend ID order, keyset).
// The segment "deleted" is one the workspace does not have.
type everyone struct{ store *models.Store }

func (e everyone) Definition(_ context.Context, _, segmentID string) ([]byte, error) {
	if segmentID == "deleted" {
		return nil, models.ErrNotFound
	}
	return []byte(`{"groups":[]}`), nil
}

func (e everyone) Members(ctx context.Context, workspaceID string, _ []byte, lineAccountID, after string, limit int) ([]activities.SegmentMember, error) {
	var members []activities.SegmentMember
	err := e.store.DB().WithContext(ctx).Table("friends").
		Select("id AS friend_id, line_account_id, line_user_id").
		Where("workspace_id = ? AND line_account_id = ? AND blocked_at IS NULL AND id > ?", workspaceID, lineAccountID, after).
		Order("id").Limit(limit).Scan(&members).Error
	return members, err
}

// broadcastWorld is a workspace with friends on a LINE account of the fake LINE, and a
// broadcast to them, run with the real activities.
type broadcastWorld struct {
	t         *testing.T
	store     *models.Store
	line      *linefake.Server
	channel   *linefake.Channel
	workspace string
	account   string
	users     []string // LINE user IDs of the friends a broadcast reaches
	broadcast models.Broadcast
}

// newBroadcastWorld makes n friends who receive the broadcast, beside one who blocked the
// account and one of another LINE account, who do not; the broadcast starts at at (nil:
// now) and goes to segment.
func newBroadcastWorld(t *testing.T, n int, segment string, at *time.Time) *broadcastWorld {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, testenv.SQLite(t))
	ws, _ := testenv.Workspace(t, store, "acme")
	line := linefake.New()
	t.Cleanup(line.Close)
	channel := line.AddChannel("token-" + strings.Repeat("b", 20))
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Shop", ChannelID: "1650000000", ChannelSecret: strings.Repeat("0", 32), ChannelAccessToken: channel.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &broadcastWorld{t: t, store: store, line: line, channel: channel, workspace: ws.ID, account: account.ID}
	for i := range n {
		p := channel.AddFriend(linefake.Profile{DisplayName: fmt.Sprintf("friend %d", i)})
		if _, err := store.UpsertFriend(ctx, ws.ID, account.ID, p.UserID, models.FriendProfile{}); err != nil {
			t.Fatal(err)
		}
		w.users = append(w.users, p.UserID)
	}
	blocker := channel.AddFriend(linefake.Profile{DisplayName: "blocker"})
	if _, err := store.UpsertFriend(ctx, ws.ID, account.ID, blocker.UserID, models.FriendProfile{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BlockFriend(ctx, ws.ID, account.ID, blocker.UserID, time.Now()); err != nil {
		t.Fatal(err)
	}
	otherChannel := line.AddChannel("token-" + strings.Repeat("c", 20))
	other, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Other", ChannelID: "1650000001", ChannelSecret: strings.Repeat("1", 32), ChannelAccessToken: otherChannel.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := otherChannel.AddFriend(linefake.Profile{DisplayName: "elsewhere"})
	if _, err := store.UpsertFriend(ctx, ws.ID, other.ID, elsewhere.UserID, models.FriendProfile{}); err != nil {
		t.Fatal(err)
	}

	w.broadcast, err = store.CreateBroadcast(ctx, ws.ID, models.BroadcastInput{
		LineAccountID: account.ID, SegmentID: segment, ScheduledAt: at,
		Messages: []byte(`[{"type":"text","text":"Sale today"}]`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// env is a fresh test environment with the broadcast workflow and its real activities.
func (w *broadcastWorld) env(rate int) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	worker.RegisterBroadcasts(env, config.Config{LineAPIURL: w.line.URL(), BroadcastRate: rate}, w.store, everyone{w.store}, http.DefaultClient)
	return env
}

func (w *broadcastWorld) input() workflows.BroadcastInput {
	return workflows.BroadcastInput{WorkspaceID: w.workspace, BroadcastID: w.broadcast.ID, ScheduledAt: w.broadcast.ScheduledAt}
}

// run runs the broadcast's workflow to its end in env and returns the broadcast's row.
func (w *broadcastWorld) run(env *testsuite.TestWorkflowEnvironment) models.Broadcast {
	w.t.Helper()
	env.ExecuteWorkflow(workflows.BroadcastName, w.input())
	if !env.IsWorkflowCompleted() {
		w.t.Fatal("the broadcast workflow did not end")
	}
	return w.read()
}

func (w *broadcastWorld) read() models.Broadcast {
	w.t.Helper()
	b, err := w.store.GetBroadcast(context.Background(), w.workspace, w.broadcast.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	if b.Sent+b.Failed+b.Remaining() != b.Total || b.Remaining() < 0 {
		w.t.Fatalf("progress does not add up: sent %d + failed %d + remaining %d != total %d", b.Sent, b.Failed, b.Remaining(), b.Total)
	}
	return b
}

// multicasts are the multicast requests LINE answered with a 2xx or a 409, in order.
func (w *broadcastWorld) multicasts() []linefake.Call {
	var out []linefake.Call
	for _, c := range w.line.CallsTo(linefake.EndpointMulticast) {
		if c.Status/100 == 2 || c.Status == http.StatusConflict {
			out = append(out, c)
		}
	}
	return out
}

// deliveredOnce fails unless each of users got exactly one message, and no one else any.
func (w *broadcastWorld) deliveredOnce(users []string) {
	w.t.Helper()
	for _, u := range users {
		if got := len(w.line.Delivered(u)); got != 1 {
			w.t.Fatalf("user %s got %d messages, want 1", u, got)
		}
	}
	if total := w.line.DeliveredCount(); total != len(users) {
		w.t.Fatalf("LINE delivered %d messages in all, want %d (the blocked friend and the other account's get none)", total, len(users))
	}
}

func TestBroadcast_SendsEachRecipientOnceInBatchesOf500WithTheirOwnRetryKeys(t *testing.T) {
	w := newBroadcastWorld(t, 1001, "segment", nil)
	b := w.run(w.env(0))
	if b.Status != models.BroadcastCompleted || b.Total != 1001 || b.Sent != 1001 || b.Failed != 0 || !b.SnapshotDone {
		t.Fatalf("broadcast = %s, total %d, sent %d, failed %d", b.Status, b.Total, b.Sent, b.Failed)
	}
	calls := w.multicasts()
	wantSizes := []int{500, 500, 1}
	if len(calls) != len(wantSizes) {
		t.Fatalf("%d multicasts, want %d", len(calls), len(wantSizes))
	}
	keys := map[string]bool{}
	for i, c := range calls {
		if want := activities.BroadcastRetryKey(b.ID, i); c.RetryKey != want {
			t.Errorf("batch %d went with retry key %q, want %q", i, c.RetryKey, want)
		}
		keys[c.RetryKey] = true
		if got := strings.Count(string(c.Body), `"U`); got != wantSizes[i] {
			t.Errorf("batch %d named %d users, want %d", i, got, wantSizes[i])
		}
	}
	if len(keys) != len(calls) {
		t.Errorf("batches share retry keys: %v", keys)
	}
	w.deliveredOnce(w.users)
}

// A batch LINE took whose answer was lost (a 500 after processing) is sent again with
// the same retry key; LINE answers 409, and the batch counts once.
func TestBroadcast_RetriedBatchIsNotSentTwice(t *testing.T) {
	w := newBroadcastWorld(t, 600, "segment", nil)
	w.line.Inject(linefake.Fault{Endpoint: linefake.EndpointMulticast, Status: http.StatusInternalServerError, AfterProcessing: true})
	b := w.run(w.env(0))
	if b.Status != models.BroadcastCompleted || b.Sent != 600 {
		t.Fatalf("broadcast = %s, sent %d", b.Status, b.Sent)
	}
	calls := w.line.CallsTo(linefake.EndpointMulticast)
	if len(calls) != 3 || calls[0].Status != http.StatusInternalServerError || calls[1].Status != http.StatusConflict ||
		calls[0].RetryKey != calls[1].RetryKey {
		for _, c := range calls {
			t.Logf("multicast %s: %d", c.RetryKey, c.Status)
		}
		t.Fatalf("want batch 0 answered 500 after processing, then 409 to the same retry key, then batch 1")
	}
	w.deliveredOnce(w.users)
}

// LINE's monthly quota stops the broadcast with the reason shown and the rest kept; a
// resume once the quota allows sends only the rest.
func TestBroadcast_QuotaStopsItAndAResumeSendsOnlyTheRest(t *testing.T) {
	w := newBroadcastWorld(t, 1200, "segment", nil)
	w.channel.SetMonthlyQuota(700)
	b := w.run(w.env(0))
	if b.Status != models.BroadcastStopped || b.StopReason != activities.QuotaStopReason || b.Sent != 500 || b.Remaining() != 700 {
		t.Fatalf("after the quota: %s (%q), sent %d, remaining %d", b.Status, b.StopReason, b.Sent, b.Remaining())
	}

	w.channel.SetMonthlyQuota(-1)
	if _, err := w.store.ResumeBroadcast(context.Background(), w.workspace, b.ID); err != nil {
		t.Fatal(err)
	}
	b = w.run(w.env(0))
	if b.Status != models.BroadcastCompleted || b.Sent != 1200 || b.StopReason != "" {
		t.Fatalf("after the resume: %s (%q), sent %d", b.Status, b.StopReason, b.Sent)
	}
	w.deliveredOnce(w.users)
}

// A broadcast waits for its time; cancelled before it, through Temporal or through the
// database alone (Temporal's cancel lost), it sends nothing.
func TestBroadcast_CancelBeforeItsTimeSendsNothing(t *testing.T) {
	cases := []struct {
		name     string
		temporal bool
	}{
		{"cancelled through Temporal", true},
		{"cancelled in the database only", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			at := suite.NewTestWorkflowEnvironment().Now().Add(2 * time.Hour)
			w := newBroadcastWorld(t, 10, "segment", &at)
			env := w.env(0)
			env.RegisterDelayedCallback(func() {
				if _, err := w.store.CancelBroadcast(context.Background(), w.workspace, w.broadcast.ID); err != nil {
					t.Error(err)
				}
				if c.temporal {
					env.CancelWorkflow()
				}
			}, time.Hour)
			b := w.run(env)
			if b.Status != models.BroadcastCancelled || b.Sent != 0 || b.Total != 0 {
				t.Fatalf("broadcast = %s, total %d, sent %d", b.Status, b.Total, b.Sent)
			}
			if n := len(w.line.CallsTo(linefake.EndpointMulticast)); n != 0 {
				t.Fatalf("%d multicasts after the cancel", n)
			}
		})
	}
}

func TestBroadcast_ScheduledSendsAtItsTimeNotBefore(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	at := suite.NewTestWorkflowEnvironment().Now().Add(3 * time.Hour).UTC()
	w := newBroadcastWorld(t, 5, "segment", &at)
	env := w.env(0)
	env.RegisterDelayedCallback(func() {
		if b := w.read(); b.Status != models.BroadcastScheduled || len(w.line.CallsTo(linefake.EndpointMulticast)) != 0 {
			t.Errorf("a minute before its time: %s, %d multicasts", b.Status, len(w.line.CallsTo(linefake.EndpointMulticast)))
		}
	}, 3*time.Hour-time.Minute)
	b := w.run(env)
	if b.Status != models.BroadcastCompleted || b.Sent != 5 {
		t.Fatalf("broadcast = %s, sent %d", b.Status, b.Sent)
	}
	if env.Now().Before(at) {
		t.Fatalf("it ended at %s, before its time %s", env.Now(), at)
	}
	w.deliveredOnce(w.users)
}

// What ends a broadcast as failed: LINE refusing the messages (its words are the reason,
// the batch counts as failed), or a segment deleted before the start.
func TestBroadcast_FailsWhenLINERefusesOrTheSegmentIsGone(t *testing.T) {
	cases := []struct {
		name       string
		segment    string
		refuse     bool
		wantReason string
		wantFailed int
	}{
		{"LINE refuses the batch", "segment", true, "batch 1 of 2: LINE multicast: 400 Bad Request", 500},
		{"the segment was deleted", "deleted", false, "the segment was deleted before the broadcast started", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newBroadcastWorld(t, 501, c.segment, nil)
			if c.refuse {
				w.line.Inject(linefake.Fault{Endpoint: linefake.EndpointMulticast, Status: http.StatusBadRequest, Message: "The request body has 1 error(s)"})
			}
			b := w.run(w.env(0))
			if b.Status != models.BroadcastFailed || !strings.HasPrefix(b.StopReason, c.wantReason) || b.Failed != c.wantFailed || b.Sent != 0 {
				t.Fatalf("broadcast = %s (%q), failed %d, sent %d; want failed %d, reason %q", b.Status, b.StopReason, b.Failed, b.Sent, c.wantFailed, c.wantReason)
			}
			if got := w.line.DeliveredCount(); got != 0 {
				t.Fatalf("%d messages delivered", got)
			}
		})
	}
}
