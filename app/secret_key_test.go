package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

// lockedBuffer is a log sink that goroutines share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func encodedKey(t *testing.T) string {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(key)
}

// sealedDataDir is a data directory whose SQLite database holds a LINE account sealed
// under sealingKey (and that key's canary), and a configuration for it under the key
// the process is then given.
func sealedDataDir(t *testing.T, sealingKey, processKey string) config.Config {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	seeding := devConfig(t, map[string]string{"LUMO_DATA_DIR": dir, "LUMO_SECRET_KEY": sealingKey})
	db, store, err := app.OpenStore(ctx, seeding, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.EnsureSecretKey(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _, err := store.CreateWorkspace(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{Name: "Cafe", ChannelID: "1650000000", ChannelSecret: "s", ChannelAccessToken: "t"}); err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 1: the processes must decide before they reach Temporal.
	return devConfig(t, map[string]string{"LUMO_DATA_DIR": dir, "LUMO_SECRET_KEY": processKey, "LUMO_TEMPORAL_ADDR": "127.0.0.1:1"})
}

func TestRunWorker_RefusesToStartWithTheWrongSecretKey(t *testing.T) {
	cfg := sealedDataDir(t, encodedKey(t), encodedKey(t))
	logs := &lockedBuffer{}
	// The deadline only bounds a failure: a worker that does not refuse waits for Temporal.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := app.RunWorker(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if !errors.Is(err, models.ErrWrongSecretKey) {
		t.Fatalf("RunWorker = %v, want ErrWrongSecretKey", err)
	}
	if !strings.Contains(logs.String(), "wrong secret key") {
		t.Errorf("the log does not say so:\n%s", logs)
	}
}

func TestStartDev_RefusesToStartWithTheWrongSecretKey(t *testing.T) {
	cfg := sealedDataDir(t, encodedKey(t), encodedKey(t))
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := app.StartDev(ctx, cfg, app.DevOptions{}, slog.New(slog.NewJSONHandler(logs, nil)))
	if err == nil {
		_ = dev.Stop(context.Background())
	}
	if !errors.Is(err, models.ErrWrongSecretKey) {
		t.Fatalf("StartDev = %v, want ErrWrongSecretKey", err)
	}
	if !strings.Contains(logs.String(), "wrong secret key") {
		t.Errorf("the log does not say so:\n%s", logs)
	}
}

func TestRunAPI_WithTheWrongSecretKeyServesButIsNotReady(t *testing.T) {
	cfg := sealedDataDir(t, encodedKey(t), encodedKey(t))
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.RunAPI(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunAPI ended with %v", err)
		}
	}()

	var readiness struct {
		Checks map[string]string `json:"checks"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := httpClient.Get("http://" + cfg.HTTPAddr + "/readyz")
		if err == nil {
			status := resp.StatusCode
			decodeErr := json.NewDecoder(resp.Body).Decode(&readiness)
			resp.Body.Close()
			if status != http.StatusServiceUnavailable || decodeErr != nil {
				t.Fatalf("/readyz = %d (%v), want 503", status, decodeErr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API never answered: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := readiness.Checks["secretKey"]; !strings.Contains(got, "LUMO_SECRET_KEY") {
		t.Errorf("checks.secretKey = %q, want it to name LUMO_SECRET_KEY; checks %v", got, readiness.Checks)
	}
	if readiness.Checks["database"] != "ok" {
		t.Errorf("checks.database = %q", readiness.Checks["database"])
	}
	if !strings.Contains(logs.String(), "wrong secret key") {
		t.Errorf("the log does not say so:\n%s", logs)
	}
}

func TestRotateSecrets_ThenTheOldKeyCanBeDropped(t *testing.T) {
	oldKey, newKey := encodedKey(t), encodedKey(t)
	cfg := sealedDataDir(t, oldKey, newKey+","+oldKey)
	ctx := context.Background()
	report, err := app.RotateSecrets(ctx, cfg, 1, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if report.Resealed != 2 || len(report.RetiredKeys) != 1 {
		t.Fatalf("report = %+v, want 2 values re-sealed and the old key retired", report)
	}
	newOnly := cfg
	newOnly.PreviousSecretKeys = nil
	db, store, err := app.OpenStore(ctx, newOnly, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.CheckSecretKey(ctx); err != nil {
		t.Fatalf("the new key alone after rotation: %v", err)
	}
}
