package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/devserver"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

// channelSecret is the bench LINE account's channel secret: webhooks are signed with it.
var channelSecret = strings.Repeat("5e", 16)

// env is Lumo assembled in this process the way `lumo dev` assembles it (embedded
// Temporal server, worker, API), with the fake LINE in place of api.line.me, one
// workspace and one LINE account. The worker also runs the benchmark's baselines: the
// hand-written journey and a no-op workflow.
type env struct {
	cfg config.Config
	// database and temporalStore say where the app's data and Temporal's state live.
	database      string
	temporalStore string
	logPath       string

	store    *models.Store
	temporal client.Client
	engine   *engine.Engine
	line     *linefake.Server
	channel  *linefake.Channel
	api      *httptest.Server
	hand     *httptest.Server
	// http posts the webhooks: enough idle connections for the ingest scenario's
	// concurrency, so that it measures the API rather than TCP handshakes.
	http *http.Client

	workspace string
	apiKey    string
	account   string
	// welcomeWorkflow is the journey P1 and P2 trigger, once P1 has created it.
	welcomeWorkflow string

	// stops run in reverse order.
	stops []func() error
}

func startEnv(ctx context.Context, opts options) (_ *env, err error) {
	e := &env{}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.stop())
		}
	}()
	dir, err := os.MkdirTemp("", "lumo-bench-")
	if err != nil {
		return nil, err
	}
	e.stops = append(e.stops, func() error { return os.RemoveAll(dir) })

	// Everything reads its settings as `lumo dev` does (DATABASE_URL included); only
	// the places are the benchmark's own.
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	cfg.TemporalTaskQueue = "lumo-bench"
	// The benchmark drives hundreds of webhooks a second from 127.0.0.1 to find the
	// process's ceiling, which a rate limit would hide: no limits here.
	off := config.RateLimit{Off: true}
	cfg.RateLimits = config.RateLimits{APIPerKey: off, APIPerClient: off, QRPerClient: off, WebhooksPerClient: off}
	if cfg.TemporalAddr, err = devserver.FreeAddr("127.0.0.1"); err != nil {
		return nil, err
	}
	if cfg.SecretKey, err = secrets.GenerateKey(); err != nil {
		return nil, err
	}
	e.line = linefake.New()
	e.stops = append(e.stops, func() error { e.line.Close(); return nil })
	cfg.LineAPIURL = e.line.URL()
	e.cfg = cfg

	// The product logs at its configured level (an access log line per webhook at
	// info), as under `lumo dev`, but to a file: the benchmark's output stays readable
	// and the logging still costs what it costs.
	e.logPath = filepath.Join(opts.workDir, "lumo-bench.log")
	logFile, err := os.Create(e.logPath)
	if err != nil {
		return nil, err
	}
	e.stops = append(e.stops, logFile.Close)
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: level}))

	db, store, err := app.OpenStore(ctx, cfg, false, log)
	if err != nil {
		return nil, err
	}
	e.stops = append(e.stops, db.Close)
	e.store = store
	e.database = "SQLite, a file in a temporary directory (WAL)"
	if cfg.UsesPostgres() {
		e.database = "PostgreSQL (DATABASE_URL)"
	}

	// As app.StartDev does, before the embedded server starts its own workers.
	sdkworker.SetStickyWorkflowCacheSize(app.DevWorkflowCacheSize)
	temporalDB := filepath.Join(dir, "temporal.db")
	e.temporalStore = "SQLite, files in a temporary directory (the main one and visibility's), 1 history shard (as `lumo dev`)"
	if opts.temporalDB == "memory" {
		temporalDB = ""
		e.temporalStore = "SQLite in memory, 1 history shard (as `lumo dev --in-memory`)"
	}
	server, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr:     cfg.TemporalAddr,
		DatabaseFile:     temporalDB,
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
		LogLevel:         cfg.TemporalLogLevel,
		Logger:           log.With("component", "temporal-server"),
		DynamicConfig:    opts.dynamicConfig,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: %w", err)
	}
	e.stops = append(e.stops, server.Stop)

	e.temporal, err = client.DialContext(ctx, client.Options{
		HostPort:  server.FrontendAddr(),
		Namespace: cfg.TemporalNamespace,
		Logger:    sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("dial embedded Temporal: %w", err)
	}
	e.stops = append(e.stops, func() error { e.temporal.Close(); return nil })

	w, err := worker.New(worker.Deps{Config: cfg, Client: e.temporal, Store: store})
	if err != nil {
		return nil, err
	}
	w.RegisterWorkflowWithOptions(handWrittenWelcome, workflow.RegisterOptions{Name: handWrittenName})
	w.RegisterWorkflowWithOptions(noop, workflow.RegisterOptions{Name: noopName})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	e.stops = append(e.stops, func() error { w.Stop(); return nil })

	e.engine = engine.New(e.temporal, store, cfg)
	e.api = httptest.NewServer(api.New(api.Deps{
		Config: cfg, Store: store, Temporal: e.temporal, Logger: log, Runs: workflows.Supports, Engine: e.engine,
		LINE: &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, Timeout: cfg.LineTimeout},
	}))
	e.stops = append(e.stops, func() error { e.api.Close(); return nil })
	e.http = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute},
	}

	ws, key, err := store.CreateWorkspace(ctx, "bench")
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	e.workspace, e.apiKey = ws.ID, key
	e.channel = e.line.AddChannel("bench-token-" + randomHex(12))
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Bench shop", ChannelID: "1650000001", ChannelSecret: channelSecret, ChannelAccessToken: e.channel.Token(),
	})
	if err != nil {
		return nil, fmt.Errorf("LINE account: %w", err)
	}
	e.account = account.ID

	e.hand = httptest.NewServer(&handWrittenWebhook{
		temporal: e.temporal, taskQueue: cfg.TemporalTaskQueue, workspace: e.workspace, account: e.account,
	})
	e.stops = append(e.stops, func() error { e.hand.Close(); return nil })
	return e, nil
}

// stop shuts everything down in reverse order of start.
func (e *env) stop() error {
	var errs []error
	for i := len(e.stops) - 1; i >= 0; i-- {
		if err := e.stops[i](); err != nil {
			errs = append(errs, err)
		}
	}
	e.stops = nil
	return errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
