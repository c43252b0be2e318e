package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

var server *temporaltest.TemporalServer

func TestMain(m *testing.M) { temporaltest.Main(m, &server) }

// world is one workspace with one LINE account on the fake LINE, served by a real
// worker and the real API on the package's Temporal server.
type world struct {
	t         *testing.T
	store     *models.Store
	temporal  client.Client
	engine    *engine.Engine
	line      *linefake.Server
	channel   *linefake.Channel
	api       *httptest.Server
	key       string
	workspace string
	account   string
	workflows int // created so far, to keep names unique
}

// option changes the settings the world's worker and API run with.
type option func(*config.Config)

// withLineTimeout bounds each LINE call, so hung calls are retried quickly.
func withLineTimeout(d time.Duration) option {
	return func(c *config.Config) { c.LineTimeout = d }
}

// withoutQRRateLimit lets a flood of scans from one address through, for tests of what
// the attribution does with a flood the rate limit did not stop (many clients, say).
func withoutQRRateLimit() option {
	return func(c *config.Config) { c.RateLimits.QRPerClient = config.RateLimit{Off: true} }
}

func newWorld(t *testing.T, options ...option) *world {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, testenv.Postgres(t))
	ws, key := testenv.Workspace(t, store, "acme")

	line := linefake.New()
	t.Cleanup(line.Close)
	channel := line.AddChannel("token-" + strings.Repeat("e", 24))
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Shop", ChannelID: "1650000001", ChannelSecret: strings.Repeat("1", 32), ChannelAccessToken: channel.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}

	c := server.Client(t)
	cfg := config.Config{
		TemporalNamespace: "default",
		TemporalTaskQueue: temporaltest.TaskQueue(t),
		LineAPIURL:        line.URL(),
		MaxNodeVisits:     1000,
		ReplyTokenWindow:  50 * time.Second,
		// RateLimits left zero: the defaults, as in production. Each test has an API, and
		// so buckets, of its own, and sends a few dozen requests, far below a burst.
	}
	for _, o := range options {
		o(&cfg)
	}
	w, err := worker.New(worker.Deps{Config: cfg, Client: c, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	engine := engine.New(c, store, cfg)
	srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: store, Engine: engine, Runs: workflows.Supports,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return &world{t: t, store: store, temporal: c, engine: engine, line: line, channel: channel, api: srv,
		key: key, workspace: ws.ID, account: account.ID}
}

// response is an API answer: its status and JSON body.
type response struct {
	status int
	body   map[string]any
	raw    []byte
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call sends one API request with the workspace's key.
func (w *world) call(method, path string, body any) response {
	w.t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, w.api.URL+path, reader)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Lumo-Actor", "e2e@lumo.test")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	out := response{status: res.StatusCode, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

// must sends a request and fails the test unless the status is want.
func (w *world) must(want int, method, path string, body any) response {
	w.t.Helper()
	res := w.call(method, path, body)
	if res.status != want {
		w.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, want, res.raw)
	}
	return res
}

// activeWorkflow creates a workflow from doc (a definition without lineAccountId: the
// world's account is put in) and activates it.
func (w *world) activeWorkflow(doc string) string {
	w.t.Helper()
	var def map[string]any
	if err := json.Unmarshal([]byte(doc), &def); err != nil {
		w.t.Fatal(err)
	}
	def["lineAccountId"] = w.account
	w.workflows++
	def["name"] = fmt.Sprintf("%s %d", def["name"], w.workflows)
	id := w.must(http.StatusCreated, http.MethodPost, "/v1/workflows", def).str("id")
	w.must(http.StatusOK, http.MethodPost, "/v1/workflows/"+id+"/activate", nil)
	return id
}

// friend adds a friend to the fake LINE channel and to the workspace.
func (w *world) friend(name string) (friendID, lineUserID string) {
	w.t.Helper()
	p := w.channel.AddFriend(linefake.Profile{DisplayName: name})
	f, err := w.store.UpsertFriend(context.Background(), w.workspace, w.account, p.UserID, models.FriendProfile{DisplayName: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return f.ID, p.UserID
}

// enroll enrolls a friend through the API and returns the execution's ID.
func (w *world) enroll(workflowID, friendID string) string {
	w.t.Helper()
	return w.must(http.StatusCreated, http.MethodPost, "/v1/workflows/"+workflowID+"/executions",
		map[string]any{"friendId": friendID}).str("id")
}

// execution reads an execution through the API.
func (w *world) execution(id string) response {
	w.t.Helper()
	return w.must(http.StatusOK, http.MethodGet, "/v1/executions/"+id, nil)
}

// waitFor polls cond until it holds or the deadline passes.
func (w *world) waitFor(what string, timeout time.Duration, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitUntil polls check until it returns nil or the deadline passes, then fails the test
// with check's last complaint: for state that other parts of the system make true a
// little later (Temporal's search attributes and histories, the fake LINE's record).
func (w *world) waitUntil(what string, timeout time.Duration, check func() error) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForStatus waits until every execution has the status, read from the database
// (one query a poll, so that waiting for many runs does not load the database).
func (w *world) waitForStatus(ids []string, status models.ExecutionStatus, timeout time.Duration) {
	w.t.Helper()
	w.waitFor(fmt.Sprintf("%d executions %s", len(ids), status), timeout, func() bool {
		var n int64
		err := w.store.DB().Table("executions").Where("id IN ? AND status = ?", ids, status).Count(&n).Error
		if err != nil {
			w.t.Fatal(err)
		}
		return int(n) == len(ids)
	})
}

// waitForWaiting waits until every execution is parked at node: a waiting visit of
// node is its trace's newest row.
func (w *world) waitForWaiting(ids []string, node string, timeout time.Duration) {
	w.t.Helper()
	w.waitFor(fmt.Sprintf("%d executions waiting at %s", len(ids), node), timeout, func() bool {
		var n int64
		err := w.store.DB().Table("execution_steps AS s").
			Where("s.execution_id IN ? AND s.node_id = ? AND s.outcome = ?", ids, node, "waiting").
			Where("NOT EXISTS (SELECT 1 FROM execution_steps AS later WHERE later.execution_id = s.execution_id AND later.started_at > s.started_at)").
			Count(&n).Error
		if err != nil {
			w.t.Fatal(err)
		}
		return int(n) == len(ids)
	})
}

// texts are the texts of the messages the fake LINE delivered to a user, in order.
func (w *world) texts(lineUserID string) []string {
	var out []string
	for _, m := range w.line.Delivered(lineUserID) {
		out = append(out, m.Text)
	}
	return out
}
