package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/devserver"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// devConfig is a `lumo dev` configuration on free ports and a fresh data directory.
func devConfig(t *testing.T, vars map[string]string) config.Config {
	t.Helper()
	env := map[string]string{"LUMO_DATA_DIR": t.TempDir(), "LUMO_LOG_LEVEL": "warn", "LUMO_TEMPORAL_LOG_LEVEL": "error"}
	for _, name := range []string{"LUMO_HTTP_ADDR", "LUMO_TEMPORAL_ADDR", "LUMO_TEMPORAL_UI_ADDR"} {
		addr, err := devserver.FreeAddr("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		env[name] = addr
	}
	for k, v := range vars {
		env[k] = v
	}
	cfg, err := config.Load(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// devKey is a LUMO_DEV_API_KEY long enough for config.Load.
const devKey = "dev-key-0123456789abcdefghijklmnop"

func startDev(t *testing.T, cfg config.Config, opts app.DevOptions) *app.Dev {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started := time.Now()
	dev, err := app.StartDev(ctx, cfg, opts, log)
	if err != nil {
		t.Fatalf("StartDev: %v", err)
	}
	t.Logf("lumo dev started in %s", time.Since(started).Round(time.Millisecond))
	return dev
}

func stopDev(t *testing.T, dev *app.Dev) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dev.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

type response struct {
	status int
	body   string
}

func call(t *testing.T, method, url, key string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(data)}
}

func TestDev_ServesEverythingAndKeepsStateAcrossRestart(t *testing.T) {
	cfg := devConfig(t, map[string]string{"LUMO_DEV_API_KEY": devKey})
	dev := startDev(t, cfg, app.DevOptions{})

	// Liveness, readiness (database and Temporal), and the Web UI.
	if r := call(t, "GET", dev.APIURL+"/healthz", "", nil); r.status != 200 {
		t.Fatalf("/healthz = %d %s", r.status, r.body)
	}
	if r := call(t, "GET", dev.APIURL+"/readyz", "", nil); r.status != 200 {
		t.Fatalf("/readyz = %d %s", r.status, r.body)
	}
	if r := call(t, "GET", dev.UIURL, "", nil); r.status != 200 {
		t.Fatalf("Web UI at %s = %d", dev.UIURL, r.status)
	}

	// The API with the dev key, and its refusals.
	account := `{"name":"Cafe","channelId":"1650000000","channelSecret":"8c4b0b5d2f0e4a6b9c1d3e5f7a9b1c3d","channelAccessToken":"tok+en/x="}`
	created := call(t, "POST", dev.APIURL+"/v1/line-accounts", devKey, strings.NewReader(account))
	if created.status != 201 {
		t.Fatalf("create = %d %s", created.status, created.body)
	}
	var createdAccount struct{ ID string }
	if err := json.Unmarshal([]byte(created.body), &createdAccount); err != nil || createdAccount.ID == "" {
		t.Fatalf("create body %s: %v", created.body, err)
	}
	refusals := []struct {
		name, key string
		body      io.Reader
		want      int
	}{
		{"no key", "", strings.NewReader(account), 401},
		{"wrong key", "nope", strings.NewReader(account), 401},
		{"malformed JSON", devKey, strings.NewReader(`{"name":`), 400},
		{"2 MiB body", devKey, bytes.NewReader(bytes.Repeat([]byte("a"), 2<<20)), 413},
	}
	for _, r := range refusals {
		if got := call(t, "POST", dev.APIURL+"/v1/line-accounts", r.key, r.body); got.status != r.want {
			t.Errorf("%s: %d %s, want %d", r.name, got.status, got.body, r.want)
		}
	}

	// A workflow through the embedded server and the worker, touching the database.
	ctx := context.Background()
	temporal, err := client.Dial(client.Options{HostPort: dev.TemporalAddr, Namespace: dev.Namespace})
	if err != nil {
		t.Fatalf("an SDK client cannot dial the embedded frontend: %v", err)
	}
	defer temporal.Close()
	event := models.WebhookEvent{LineAccountID: createdAccount.ID, EventID: "e1", ReceivedAt: time.Now().Add(-30 * 24 * time.Hour)}
	ws, err := dev.Store.AuthenticateAPIKey(ctx, devKey)
	if err != nil {
		t.Fatal(err)
	}
	event.WorkspaceID = ws.WorkspaceID
	if err := dev.Store.DB().Create(&event).Error; err != nil {
		t.Fatal(err)
	}
	run, err := temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "prune-by-test", TaskQueue: cfg.TemporalTaskQueue},
		workflows.PruneWebhookEventsName, workflows.PruneWebhookEventsInput{Retention: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var result workflows.PruneWebhookEventsResult
	if err := run.Get(ctx, &result); err != nil || result.Deleted != 1 {
		t.Fatalf("prune workflow = %+v, %v; want 1 deleted", result, err)
	}
	temporal.Close()

	// A restart on the same data directory keeps the accounts, their sealed secrets
	// (the generated secret key is kept too) and Temporal's history.
	stopDev(t, dev)
	dev = startDev(t, cfg, app.DevOptions{})
	defer stopDev(t, dev)

	list := call(t, "GET", dev.APIURL+"/v1/line-accounts", devKey, nil)
	if list.status != 200 || !strings.Contains(list.body, createdAccount.ID) {
		t.Fatalf("list after restart = %d %s", list.status, list.body)
	}
	for _, secret := range []string{"8c4b0b5d2f0e4a6b9c1d3e5f7a9b1c3d", "tok+en/x="} {
		if strings.Contains(list.body, secret) {
			t.Fatalf("the list shows a secret: %s", list.body)
		}
	}
	creds, err := dev.Store.LineAccountCredentials(ctx, ws.WorkspaceID, createdAccount.ID)
	if err != nil || creds.ChannelAccessToken != "tok+en/x=" {
		t.Fatalf("credentials after restart = %+v, %v", creds, err)
	}
	temporal, err = client.Dial(client.Options{HostPort: dev.TemporalAddr, Namespace: dev.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	defer temporal.Close()
	desc, err := temporal.DescribeWorkflowExecution(ctx, "prune-by-test", "")
	if err != nil {
		t.Fatalf("the workflow's history is gone after restart: %v", err)
	}
	if status := desc.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("status after restart = %v", status)
	}
}

// The generated key stays across restarts; setting LUMO_DEV_API_KEY then makes that the
// dev key and revokes the generated one, so exactly one dev key works at a time.
func TestDev_GeneratedAPIKeyStaysAcrossRestartsUntilLUMO_DEV_API_KEYReplacesIt(t *testing.T) {
	cfg := devConfig(t, nil)
	dev := startDev(t, cfg, app.DevOptions{})
	first := dev.APIKey
	if !dev.APIKeyGenerated || !strings.HasPrefix(first, "lumo_dev_") {
		t.Fatalf("key %q generated=%v", first, dev.APIKeyGenerated)
	}
	stopDev(t, dev)

	dev = startDev(t, cfg, app.DevOptions{})
	if dev.APIKey != first {
		t.Fatalf("key changed across restart: %q then %q", first, dev.APIKey)
	}
	if r := call(t, "GET", dev.APIURL+"/v1/line-accounts", first, nil); r.status != 200 {
		t.Fatalf("generated key refused: %d %s", r.status, r.body)
	}
	stopDev(t, dev)

	cfg.DevAPIKey = devKey
	dev = startDev(t, cfg, app.DevOptions{})
	defer stopDev(t, dev)
	if r := call(t, "GET", dev.APIURL+"/v1/line-accounts", devKey, nil); r.status != 200 {
		t.Fatalf("LUMO_DEV_API_KEY refused: %d %s", r.status, r.body)
	}
	if r := call(t, "GET", dev.APIURL+"/v1/line-accounts", first, nil); r.status != 401 {
		t.Fatalf("the replaced dev key still works: %d %s", r.status, r.body)
	}
}

func TestDev_InMemoryWritesNothingToTheDataDirectory(t *testing.T) {
	cfg := devConfig(t, map[string]string{"LUMO_DEV_API_KEY": devKey})
	dev := startDev(t, cfg, app.DevOptions{InMemory: true})
	if r := call(t, "GET", dev.APIURL+"/readyz", "", nil); r.status != 200 {
		t.Fatalf("/readyz = %d %s", r.status, r.body)
	}
	stopDev(t, dev)
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, filepath.Join(cfg.DataDir, e.Name()))
		}
		t.Fatalf("in-memory dev wrote %v", names)
	}
}
