package app_test

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/secrets"
	"github.com/lumoworkflows/lumo/workflows"
)

// The production shape: one API and two workers, each on its own, sharing PostgreSQL and
// an external Temporal server; they stop cleanly when their context ends.
func TestRunAPIAndWorkers_AgainstExternalTemporalAndPostgres(t *testing.T) {
	temporal, err := temporaltest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer temporal.Stop()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := devConfig(t, map[string]string{
		"DATABASE_URL":       testenv.NewPostgresURL(t),
		"LUMO_TEMPORAL_ADDR": temporal.FrontendAddr(),
		"LUMO_SECRET_KEY":    base64.StdEncoding.EncodeToString(key),
	})
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 3)
	go func() { done <- app.RunAPI(ctx, cfg, log) }()
	go func() { done <- app.RunWorker(ctx, cfg, log) }()
	go func() { done <- app.RunWorker(ctx, cfg, log) }()

	apiURL := "http://" + cfg.HTTPAddr
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := tryGet(apiURL + "/readyz")
		if err == nil && r == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never green: %d %v", r, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	c := temporal.Client(t)
	for i := range 4 {
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
			ID: "prune-" + string(rune('a'+i)) + "-" + cfg.TemporalTaskQueue, TaskQueue: cfg.TemporalTaskQueue,
		}, workflows.PruneWebhookEventsName, workflows.PruneWebhookEventsInput{Retention: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(context.Background(), nil); err != nil {
			t.Fatalf("workflow through the separate workers: %v", err)
		}
	}

	cancel()
	for range 3 {
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("runner ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a runner did not stop within 30 s of its context ending")
		}
	}
}

func tryGet(url string) (int, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
