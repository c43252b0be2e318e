package faults_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

// channelSecret is the world's LINE account's channel secret: webhooks are signed with it.
var channelSecret = strings.Repeat("5", 32)

// world is one workspace with one LINE account on the fake LINE, a database of its own
// and a task queue of its own on the package's Temporal server. The API and the worker
// run in the test process (serveAPI, runWorker) or as processes of their own
// (newProcess), all with the same settings: env, as the processes read them, and cfg.
type world struct {
	t        *testing.T
	env      map[string]string
	cfg      config.Config
	db       *database.DB
	store    *models.Store
	temporal client.Client
	line     *linefake.Server
	channel  *linefake.Channel
	apiURL   string
	http     *http.Client

	key, workspace, account string
	workflows               int // created so far, to keep names unique
}

// setting changes one of the world's settings (an environment variable).
type setting func(env map[string]string)

func withEnv(name, value string) setting {
	return func(env map[string]string) { env[name] = value }
}

func newWorld(t *testing.T, settings ...setting) *world {
	t.Helper()
	ctx := context.Background()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	line := linefake.New()
	t.Cleanup(line.Close)
	env := map[string]string{
		"DATABASE_URL":             testenv.NewPostgresURL(t),
		"LUMO_SECRET_KEY":          base64.StdEncoding.EncodeToString(key),
		"LUMO_TEMPORAL_ADDR":       server.FrontendAddr(),
		"LUMO_TEMPORAL_NAMESPACE":  server.Namespace(),
		"LUMO_TEMPORAL_TASK_QUEUE": temporaltest.TaskQueue(t),
		"LUMO_LINE_API_URL":        line.URL(),
		"LUMO_HTTP_ADDR":           freeAddr(t),
		"LUMO_DATA_DIR":            t.TempDir(),
		"LUMO_LOG_LEVEL":           "info", // the processes say "listening" and "polling" at info
		"LUMO_SHUTDOWN_TIMEOUT":    "5s",
		// The suite answers up to 200 parked friends at once from 127.0.0.1, through the
		// API and the webhook, and counts every answer: it tests faults, not limits.
		"LUMO_RATE_LIMIT_API_PER_KEY":         "off",
		"LUMO_RATE_LIMIT_API_PER_CLIENT":      "off",
		"LUMO_RATE_LIMIT_WEBHOOKS_PER_CLIENT": "off",
	}
	for _, s := range settings {
		s(env)
	}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}

	db, err := database.Open(ctx, database.Options{URL: cfg.DatabaseURL, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	// The same key as the processes': the worker opens the account's sealed token.
	store := models.NewStore(db.DB, box)
	ws, apiKey := testenv.Workspace(t, store, "acme")
	channel := line.AddChannel("token-" + strings.Repeat("f", 24))
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Shop", ChannelID: "1650000002", ChannelSecret: channelSecret, ChannelAccessToken: channel.Token(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &world{
		t: t, env: env, cfg: cfg, db: db, store: store, temporal: server.Client(t), line: line, channel: channel,
		apiURL: "http://" + cfg.HTTPAddr, http: &http.Client{Timeout: 30 * time.Second},
		key: apiKey, workspace: ws.ID, account: account.ID,
	}
}

// environ is the world's settings as a process environment.
func (w *world) environ() []string {
	var out []string
	for k, v := range w.env {
		out = append(out, k+"="+v)
	}
	return out
}

// serveAPI runs the API in the test process.
func (w *world) serveAPI() {
	srv := httptest.NewServer(api.New(api.Deps{
		Config: w.cfg, Store: w.store, Engine: engine.New(w.temporal, w.store, w.cfg),
		Runs: workflows.Supports, Logger: quietLogger(),
	}))
	w.t.Cleanup(srv.Close)
	w.apiURL = srv.URL
}

// runWorker runs a worker in the test process.
func (w *world) runWorker() {
	wk, err := worker.New(worker.Deps{Config: w.cfg, Client: w.temporal, Store: w.store})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := wk.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(wk.Stop)
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
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

// call sends one API request with the workspace's key. It is safe from any goroutine:
// a failure to get an answer is its error, not the test's.
func (w *world) call(method, path string, body any) (response, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, w.apiURL+path, reader)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+w.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := w.http.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	out := response{status: res.StatusCode, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out, nil
}

// expect sends a request and returns an error unless the status is want.
func (w *world) expect(want int, method, path string, body any) (response, error) {
	res, err := w.call(method, path, body)
	if err == nil && res.status != want {
		err = fmt.Errorf("%s %s: status %d, want %d: %s", method, path, res.status, want, res.raw)
	}
	return res, err
}

// must is expect on the test's goroutine: an error ends the test.
func (w *world) must(want int, method, path string, body any) response {
	w.t.Helper()
	res, err := w.expect(want, method, path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// activeWorkflow creates a workflow from doc (its lineAccountId is the world's account)
// and activates it.
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

// lineFriend adds a user to the fake LINE channel only: Lumo learns of them by webhook.
func (w *world) lineFriend(name string) string {
	return w.channel.AddFriend(linefake.Profile{DisplayName: name}).UserID
}

func (w *world) followEvent(userID string) map[string]any {
	return linefake.FollowEvent(userID, w.channel.IssueReplyToken(userID, time.Minute))
}

func (w *world) textEvent(userID, text string) map[string]any {
	return linefake.TextEvent(userID, w.channel.IssueReplyToken(userID, time.Minute), text)
}

// postWebhook delivers a body to the account's webhook, signed as LINE signs it, and
// returns the status; an error means no answer came (refused, reset, timed out).
func (w *world) postWebhook(body []byte) (int, error) {
	req, err := linefake.WebhookRequest(context.Background(), w.apiURL+"/webhooks/line/"+w.account, channelSecret, body)
	if err != nil {
		return 0, err
	}
	res, err := w.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// waitFor polls cond until it holds, or fails the test when timeout passes.
func (w *world) waitFor(what string, timeout time.Duration, cond func() bool) {
	w.t.Helper()
	if !eventually(timeout, cond) {
		w.t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// eventually polls cond until it holds (true) or timeout passes (false).
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// parkedAt returns those of the executions whose newest trace row is a waiting visit
// of node: they wait there.
func (w *world) parkedAt(ids []string, node string) ([]string, error) {
	var parked []string
	if len(ids) == 0 {
		return nil, nil
	}
	err := w.store.DB().Table("execution_steps AS s").
		Where("s.execution_id IN ? AND s.node_id = ? AND s.outcome = ?", ids, node, "waiting").
		Where("NOT EXISTS (SELECT 1 FROM execution_steps AS later WHERE later.execution_id = s.execution_id AND later.started_at > s.started_at)").
		Pluck("s.execution_id", &parked).Error
	return parked, err
}

// statuses counts the executions by status, read from the database.
func (w *world) statuses(ids []string) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := w.store.DB().Table("executions").Select("status, count(*) AS n").
		Where("id IN ?", ids).Group("status").Scan(&rows).Error
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}

// waitForCompleted waits until every execution is completed. On a timeout it fails the
// test with the statuses and the traces of a few that are not.
func (w *world) waitForCompleted(ids []string, timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		counts, err := w.statuses(ids)
		if err == nil && counts[string(models.ExecutionCompleted)] == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			var stuck []string
			for _, id := range ids {
				x, err := w.expect(http.StatusOK, http.MethodGet, "/v1/executions/"+id, nil)
				if err == nil && x.str("status") != string(models.ExecutionCompleted) {
					stuck = append(stuck, fmt.Sprintf("%s %s %s: %s", id, x.str("status"), x.str("error"), traceOf(x)))
				}
				if len(stuck) == 5 {
					break
				}
			}
			w.t.Fatalf("after %s, executions by status: %v (%v); some that are not completed:\n%s",
				timeout, counts, err, strings.Join(stuck, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// texts are the texts of the messages the fake LINE delivered to a user, in order.
func (w *world) texts(lineUserID string) []string {
	var out []string
	for _, m := range w.line.Delivered(lineUserID) {
		out = append(out, m.Text)
	}
	return out
}

// traceOf writes an execution's trace as node:outcome:outlet rows joined by "|".
func traceOf(x response) string {
	var rows []string
	trace, _ := x.body["trace"].([]any)
	for _, r := range trace {
		row := r.(map[string]any)
		rows = append(rows, fmt.Sprintf("%s:%s:%s", row["nodeId"], row["outcome"], row["outlet"]))
	}
	return strings.Join(rows, "|")
}

// lineCalls sums up what the fake LINE was asked to do.
type lineCalls struct {
	push, reply, conflicts, faulted, delivered int
}

func (w *world) lineCalls() lineCalls {
	var c lineCalls
	for _, call := range w.line.Calls() {
		switch call.Endpoint {
		case linefake.EndpointPush:
			c.push++
		case linefake.EndpointReply:
			c.reply++
		}
		if call.Status == http.StatusConflict {
			c.conflicts++
		}
		if call.Fault != nil {
			c.faulted++
		}
	}
	c.delivered = w.line.DeliveredCount()
	return c
}

func (c lineCalls) String() string {
	return fmt.Sprintf("%d messages delivered; %d push and %d reply calls, %d of them faults, %d repeats answered 409",
		c.delivered, c.push, c.reply, c.faulted, c.conflicts)
}
