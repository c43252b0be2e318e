package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// broadcastEngine stands in for Temporal behind the broadcast routes: it saves, cancels
// and resumes broadcasts in the Store as the engine does, without starting workflows.
// What the workflow then does is tested in package workflows and in the fault suite.
type broadcastEngine struct {
	api.Engine // the routes this test does not call
	store      *models.Store
	started    []models.Broadcast
}

func (e *broadcastEngine) StartBroadcast(ctx context.Context, ws string, in models.BroadcastInput) (models.Broadcast, error) {
	b, err := e.store.CreateBroadcast(ctx, ws, in)
	if err == nil {
		e.started = append(e.started, b)
	}
	return b, err
}

func (e *broadcastEngine) CancelBroadcast(ctx context.Context, ws, id string) (models.Broadcast, error) {
	return e.store.CancelBroadcast(ctx, ws, id)
}

func (e *broadcastEngine) ResumeBroadcast(ctx context.Context, ws, id string) (models.Broadcast, error) {
	return e.store.ResumeBroadcast(ctx, ws, id)
}

// broadcastFixture is a workspace with a LINE account, a segment and auto messages, and
// another workspace with a segment and an account of its own.
type broadcastFixture struct {
	a                              *testAPI
	engine                         *broadcastEngine
	key, account, segment          string
	plainAutoMessage, templatedOne string
	otherSegment, otherAccount     string
}

func newBroadcastFixture(t *testing.T, db *database.DB) *broadcastFixture {
	t.Helper()
	engine := &broadcastEngine{}
	a := newTestAPI(t, db, withEngine(engine))
	engine.store = a.store
	ws, key := a.workspace("acme")
	otherWS, otherKey := a.workspace("other")
	f := &broadcastFixture{a: a, engine: engine, key: key}
	f.account = a.createAccount(key, "Shop", "1650000000").ID
	f.otherAccount = a.createAccount(otherKey, "Theirs", "1650000001").ID
	f.segment = createSegment(t, a.store, ws, "Everyone")
	f.otherSegment = createSegment(t, a.store, otherWS, "Theirs")
	f.templatedOne = a.createAutoMessage(key, "Hello by name").ID
	res := a.do(http.MethodPost, "/v1/auto-messages", key, `{"name": "Sale", "messages": [{"type": "text", "text": "Sale today"}]}`)
	res.wantStatus(t, http.StatusCreated)
	var m autoMessage
	res.decode(t, &m)
	f.plainAutoMessage = m.ID
	return f
}

// createSegment saves a segment of every friend who has not blocked their account.
func createSegment(t *testing.T, store *models.Store, workspaceID, name string) string {
	t.Helper()
	seg, err := store.CreateSegment(context.Background(), models.Segment{
		WorkspaceID: workspaceID, Name: name,
		Definition: segments.Definition{Groups: []segments.Group{{Conditions: []segments.Condition{
			{Property: segments.PropBlocked, Op: "eq", Value: []byte("false")},
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return seg.ID
}

type broadcastView struct {
	ID            string           `json:"id"`
	Status        string           `json:"status"`
	StopReason    string           `json:"stopReason"`
	SegmentID     string           `json:"segmentId"`
	LineAccountID string           `json:"lineAccountId"`
	AutoMessageID *string          `json:"autoMessageId"`
	Messages      []map[string]any `json:"messages"`
	ScheduledAt   *time.Time       `json:"scheduledAt"`
	Total         int              `json:"total"`
	Sent          int              `json:"sent"`
	Failed        int              `json:"failed"`
	Remaining     int              `json:"remaining"`
}

func TestBroadcasts_BadInputIsA422NamingEachField(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newBroadcastFixture(t, db)
		past := time.Now().Add(-time.Hour).Format(time.RFC3339)
		farAhead := time.Now().Add(2 * 365 * 24 * time.Hour).Format(time.RFC3339)
		ok := fmt.Sprintf(`"segmentId": %q, "lineAccountId": %q`, f.segment, f.account)
		text := `"messages": [{"type": "text", "text": "Sale today"}]`
		cases := []struct {
			name   string
			body   string
			fields []string
		}{
			{"nothing", `{}`, []string{"segmentId", "lineAccountId", "messages"}},
			{"messages and an auto message", `{` + ok + `, ` + text + `, "autoMessageId": "` + f.plainAutoMessage + `"}`, []string{"autoMessageId"}},
			{"a template filled per friend", `{` + ok + `, "messages": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "Hi {{friend.displayName}}"}]}`, []string{"messages[1]"}},
			{"a message LINE would refuse", `{` + ok + `, "messages": [{"type": "text", "text": ""}]}`, []string{"messages[0].text"}},
			{"no messages at all", `{` + ok + `, "messages": []}`, []string{"messages"}},
			{"an auto message filled per friend", `{` + ok + `, "autoMessageId": "` + f.templatedOne + `"}`, []string{"autoMessageId"}},
			{"an unknown auto message", `{` + ok + `, "autoMessageId": "nope"}`, []string{"autoMessageId"}},
			{"another workspace's segment", fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, %s}`, f.otherSegment, f.account, text), []string{"segmentId"}},
			{"another workspace's LINE account", fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, %s}`, f.segment, f.otherAccount, text), []string{"lineAccountId"}},
			{"scheduledAt not a time", `{` + ok + `, ` + text + `, "scheduledAt": "tomorrow"}`, []string{"scheduledAt"}},
			{"scheduledAt in the past", `{` + ok + `, ` + text + `, "scheduledAt": "` + past + `"}`, []string{"scheduledAt"}},
			{"scheduledAt years ahead", `{` + ok + `, ` + text + `, "scheduledAt": "` + farAhead + `"}`, []string{"scheduledAt"}},
			{"an unknown field", `{` + ok + `, ` + text + `, "segment": "x"}`, []string{"segment"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := f.a.do(http.MethodPost, "/v1/broadcasts", f.key, c.body).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
				if len(got.Fields) != len(c.fields) {
					t.Errorf("fields = %v, want exactly %v", got.Fields, c.fields)
				}
				for _, field := range c.fields {
					if got.Fields[field] == "" {
						t.Errorf("fields = %v, want a problem at %s", got.Fields, field)
					}
				}
			})
		}
		if len(f.engine.started) != 0 {
			t.Fatalf("%d broadcasts started from bad input", len(f.engine.started))
		}
	})
}

func TestBroadcasts_CreateAnswers202AndProgressReads(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newBroadcastFixture(t, db)
		at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		cases := []struct {
			name, path, body string
			status           string
			wantMessage      string
		}{
			{"messages, now", "/v1/broadcasts",
				fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, "messages": [{"type": "text", "text": "Sale today"}]}`, f.segment, f.account),
				"running", "Sale today"},
			{"an auto message, scheduled", "/v1/broadcasts",
				fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, "autoMessageId": %q, "scheduledAt": %q}`, f.segment, f.account, f.plainAutoMessage, at.Format(time.RFC3339)),
				"scheduled", "Sale today"},
			{"from the segment's row", "/v1/segments/" + f.segment + "/broadcasts",
				fmt.Sprintf(`{"lineAccountId": %q, "messages": [{"type": "text", "text": "Row sale"}]}`, f.account),
				"running", "Row sale"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := f.a.do(http.MethodPost, c.path, f.key, c.body)
				res.wantStatus(t, http.StatusAccepted)
				var accepted struct{ ID, Status string }
				res.decode(t, &accepted)
				if accepted.ID == "" || accepted.Status != c.status {
					t.Fatalf("202 body = %s, want an id and status %s", res.body, c.status)
				}
				var b broadcastView
				got := f.a.do(http.MethodGet, "/v1/broadcasts/"+accepted.ID, f.key, "")
				got.wantStatus(t, http.StatusOK)
				got.decode(t, &b)
				if b.Status != c.status || b.SegmentID != f.segment || b.LineAccountID != f.account ||
					len(b.Messages) != 1 || b.Messages[0]["text"] != c.wantMessage ||
					b.Total != 0 || b.Sent+b.Failed+b.Remaining != b.Total {
					t.Fatalf("broadcast = %s", got.body)
				}
				if c.status == "scheduled" && (b.ScheduledAt == nil || !b.ScheduledAt.Equal(at) || b.AutoMessageID == nil) {
					t.Fatalf("scheduled broadcast = %s", got.body)
				}
			})
		}
		var list struct {
			Items      []broadcastView `json:"items"`
			NextCursor string          `json:"nextCursor"`
		}
		res := f.a.do(http.MethodGet, "/v1/broadcasts?limit=2", f.key, "")
		res.wantStatus(t, http.StatusOK)
		res.decode(t, &list)
		if len(list.Items) != 2 || list.NextCursor == "" || list.Items[0].Messages[0]["text"] != "Row sale" {
			t.Fatalf("first page = %s", res.body)
		}

		// The segment's row: another workspace's segment is a 404, and segmentId is not
		// taken from the body.
		f.a.do(http.MethodPost, "/v1/segments/"+f.otherSegment+"/broadcasts", f.key,
			fmt.Sprintf(`{"lineAccountId": %q, "messages": [{"type": "text", "text": "x"}]}`, f.account)).
			wantError(t, http.StatusNotFound, "not_found")
		got := f.a.do(http.MethodPost, "/v1/segments/"+f.segment+"/broadcasts", f.key,
			fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, "messages": [{"type": "text", "text": "x"}]}`, f.segment, f.account)).
			wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if got.Fields["segmentId"] == "" {
			t.Fatalf("fields = %v, want segmentId refused", got.Fields)
		}
	})
}

// Cancel works until a broadcast has finished, resume only on a stopped one; otherwise
// a 409 naming the status.
func TestBroadcasts_CancelAndResumeAre409OutsideTheirStatuses(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newBroadcastFixture(t, db)
		cases := []struct {
			from        models.BroadcastStatus
			action      string
			want        int
			statusAfter string
		}{
			{models.BroadcastScheduled, "cancel", http.StatusOK, "cancelled"},
			{models.BroadcastRunning, "cancel", http.StatusOK, "cancelled"},
			{models.BroadcastStopped, "cancel", http.StatusOK, "cancelled"},
			{models.BroadcastCompleted, "cancel", http.StatusConflict, "completed"},
			{models.BroadcastCancelled, "cancel", http.StatusConflict, "cancelled"},
			{models.BroadcastFailed, "cancel", http.StatusConflict, "failed"},
			{models.BroadcastStopped, "resume", http.StatusAccepted, "running"},
			{models.BroadcastRunning, "resume", http.StatusConflict, "running"},
			{models.BroadcastCompleted, "resume", http.StatusConflict, "completed"},
			{models.BroadcastCancelled, "resume", http.StatusConflict, "cancelled"},
		}
		for _, c := range cases {
			t.Run(c.action+" when "+string(c.from), func(t *testing.T) {
				res := f.a.do(http.MethodPost, "/v1/broadcasts", f.key,
					fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, "messages": [{"type": "text", "text": "x"}]}`, f.segment, f.account))
				res.wantStatus(t, http.StatusAccepted)
				var b struct{ ID string }
				res.decode(t, &b)
				if err := f.a.store.DB().Model(&models.Broadcast{}).Where("id = ?", b.ID).Update("status", c.from).Error; err != nil {
					t.Fatal(err)
				}
				got := f.a.do(http.MethodPost, "/v1/broadcasts/"+b.ID+"/"+c.action, f.key, "")
				if c.want == http.StatusConflict {
					e := got.wantError(t, http.StatusConflict, "conflict")
					if e.Fields["status"] != c.statusAfter {
						t.Fatalf("409 fields = %v, want status %s", e.Fields, c.statusAfter)
					}
				} else {
					got.wantStatus(t, c.want)
				}
				var after broadcastView
				f.a.do(http.MethodGet, "/v1/broadcasts/"+b.ID, f.key, "").decode(t, &after)
				if after.Status != c.statusAfter {
					t.Fatalf("status after %s = %s, want %s", c.action, after.Status, c.statusAfter)
				}
			})
		}
		f.a.do(http.MethodPost, "/v1/broadcasts/nope/cancel", f.key, "").wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestBroadcasts_WithoutAnEngineCreateIs503AndNothingIsSaved(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	ws, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000").ID
	segment := createSegment(t, a.store, ws, "Everyone")
	a.do(http.MethodPost, "/v1/broadcasts", key,
		fmt.Sprintf(`{"segmentId": %q, "lineAccountId": %q, "messages": [{"type": "text", "text": "x"}]}`, segment, account)).
		wantError(t, http.StatusServiceUnavailable, "unavailable")
	list, _, err := a.store.ListBroadcasts(context.Background(), ws, models.Page{})
	if err != nil || len(list) != 0 {
		t.Fatalf("broadcasts = %v, %v; want none", list, err)
	}
	if strings.Contains(string(a.do(http.MethodGet, "/v1/broadcasts", key, "").body), `"id"`) {
		t.Fatal("the list shows a broadcast")
	}
}
