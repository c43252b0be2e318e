package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

const publicURL = "https://lumo.example"

// testAPI is the API served over real HTTP on a fresh database, with its log captured.
type testAPI struct {
	t     *testing.T
	echo  *echo.Echo
	srv   *httptest.Server
	store *models.Store
	logs  *logBuffer
}

type option func(*api.Deps)

func withTemporal(h api.HealthChecker) option { return func(d *api.Deps) { d.Temporal = h } }
func withBodyLimit(n int64) option            { return func(d *api.Deps) { d.Config.HTTPBodyLimit = n } }

// withoutRateLimits turns every rate limit off, for tests that send hundreds of requests
// to check something else.
func withoutRateLimits() option {
	return func(d *api.Deps) {
		off := config.RateLimit{Off: true}
		d.Config.RateLimits = config.RateLimits{APIPerKey: off, APIPerClient: off, QRPerClient: off, WebhooksPerClient: off}
	}
}

func newTestAPI(t *testing.T, db *database.DB, opts ...option) *testAPI {
	t.Helper()
	store := testenv.Store(t, db)
	logs := &logBuffer{}
	deps := api.Deps{
		Config: config.Config{PublicURL: publicURL},
		Store:  store,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, opt := range opts {
		opt(&deps)
	}
	e := api.New(deps)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &testAPI{t: t, echo: e, srv: srv, store: store, logs: logs}
}

// workspace creates a workspace and returns its ID and API key.
func (a *testAPI) workspace(name string) (id, key string) {
	a.t.Helper()
	ws, key := testenv.Workspace(a.t, a.store, name)
	return ws.ID, key
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with an optional bearer key and raw JSON body.
func (a *testAPI) do(method, path, key, body string) response {
	a.t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, reader)
	if err != nil {
		a.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return a.send(req)
}

func (a *testAPI) send(req *http.Request) response {
	a.t.Helper()
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// decode unmarshals the body into v, failing the test on anything else.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not the expected JSON (%v): %s", r.status, err, r.body)
	}
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

// wantError checks the status and the error shape, and returns the error.
func (r response) wantError(t *testing.T, status int, code string) apiError {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	var body struct {
		Error apiError `json:"error"`
	}
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body is not the error shape (%v): %s", err, r.body)
	}
	if body.Error.Code != code {
		t.Fatalf("code = %q, want %q; body %s", body.Error.Code, code, r.body)
	}
	if body.Error.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	if body.Error.Fields != nil && len(body.Error.Fields) == 0 {
		t.Errorf("empty fields must be omitted: %s", r.body)
	}
	return body.Error
}

func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

type lineAccount struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ChannelID  string `json:"channelId"`
	WebhookURL string `json:"webhookUrl"`
	CreatedAt  string `json:"createdAt"`
	UpdatedAt  string `json:"updatedAt"`
}

type lineAccountList struct {
	Items      []lineAccount `json:"items"`
	NextCursor *string       `json:"nextCursor"`
}

const (
	sampleSecret = "8c4b0b5d2f0e4a6b9c1d3e5f7a9b1c3d"
	sampleToken  = "eyJhbGciOiJIUzI1NiJ9.sample+token/abc="
)

func accountBody(name, channelID string) string {
	b, _ := json.Marshal(map[string]string{
		"name":               name,
		"channelId":          channelID,
		"channelSecret":      sampleSecret,
		"channelAccessToken": sampleToken,
	})
	return string(b)
}

// createAccount connects a LINE account through the API and returns it.
func (a *testAPI) createAccount(key, name, channelID string) lineAccount {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/line-accounts", key, accountBody(name, channelID))
	res.wantStatus(a.t, http.StatusCreated)
	var account lineAccount
	res.decode(a.t, &account)
	return account
}

// logBuffer collects JSON log lines from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the log lines whose msg is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
