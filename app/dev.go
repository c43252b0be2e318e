package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/devserver"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
	"github.com/lumoworkflows/lumo/workflows"
)

// DevWorkspaceName is the workspace `lumo dev` creates for its API key.
const DevWorkspaceName = "dev"

// DevOptions change how `lumo dev` keeps its state.
type DevOptions struct {
	// InMemory keeps Temporal's state and the app's data in memory: nothing survives a
	// stop, and the data directory is not touched.
	InMemory bool
}

// DevWorkflowCacheSize is how many runs the worker of `lumo dev` keeps in memory between
// their workflow tasks (the SDK's sticky cache, 10,000 by default). Lumo's runs spend
// most of their life parked on a question or a delay, and a run that wakes after
// eviction is replayed from its history, which costs milliseconds, while each cached run
// holds its state and a goroutine. With 10,000 runs parked, this and the embedded
// server's history cache of 1,024 (devserver) took the process from 1.4 GiB to about
// 500 MiB; reply → next message went from about 75 to 85 ms at the median
// (cmd/lumo-bench, P3). 256 runs still hold every run a laptop has moving at once.
const DevWorkflowCacheSize = 256

// Dev is a running `lumo dev`: the embedded Temporal server and Web UI, the worker and
// the API, in this process.
type Dev struct {
	APIURL       string
	UIURL        string
	TemporalAddr string
	Namespace    string
	// APIKey is the dev workspace's key; APIKeyGenerated says Lumo made it up (it is kept
	// in the data directory, so it stays the same across restarts).
	APIKey          string
	APIKeyGenerated bool
	DataDir         string
	// Store is the app's data, for seeding and inspection in tests and benchmarks.
	Store *models.Store

	// stops run in reverse order of start.
	stops []func(context.Context) error
	log   *slog.Logger
}

// StartDev starts everything and returns once the API answers. On error, whatever had
// started is stopped again.
func StartDev(ctx context.Context, cfg config.Config, opts DevOptions, log *slog.Logger) (_ *Dev, err error) {
	d := &Dev{DataDir: cfg.DataDir, Namespace: cfg.TemporalNamespace, log: log}
	defer func() {
		if err != nil {
			err = errors.Join(err, d.Stop(context.Background()))
		}
	}()
	// The SDK fixes the cache's size when the process's first worker starts, and the
	// embedded server starts workers of its own: so before it.
	sdkworker.SetStickyWorkflowCacheSize(DevWorkflowCacheSize)
	if opts.InMemory {
		d.DataDir = ""
	} else if err := ensureDir(cfg.DataDir); err != nil {
		return nil, err
	}

	if cfg.SecretKey, err = d.secretKey(cfg, opts); err != nil {
		return nil, err
	}
	db, store, err := OpenStore(ctx, cfg, opts.InMemory, log)
	if err != nil {
		return nil, err
	}
	d.stops = append(d.stops, func(context.Context) error { return db.Close() })
	d.Store = store
	// It runs a worker: with the wrong key every step that opens a secret would fail.
	if err := checkSecretKey(ctx, store, log); err != nil {
		return nil, fmt.Errorf("lumo dev does not start: %w", err)
	}

	temporalDB := ""
	if !opts.InMemory {
		temporalDB = filepath.Join(cfg.DataDir, "temporal.db")
	}
	server, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr:     cfg.TemporalAddr,
		UIAddr:           cfg.TemporalUIAddr,
		DatabaseFile:     temporalDB,
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
		LogLevel:         cfg.TemporalLogLevel,
		Logger:           log.With("component", "temporal-server"),
	})
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: %w", err)
	}
	d.stops = append(d.stops, func(context.Context) error { return server.Stop() })
	d.TemporalAddr, d.UIURL = server.FrontendAddr(), server.UIURL()

	temporal, err := client.DialContext(ctx, temporalOptions(cfg, log))
	if err != nil {
		return nil, fmt.Errorf("dial embedded Temporal: %w", err)
	}
	d.stops = append(d.stops, func(context.Context) error { temporal.Close(); return nil })

	w, err := startWorker(ctx, cfg, temporal, store)
	if err != nil {
		return nil, err
	}
	d.stops = append(d.stops, func(context.Context) error { w.Stop(); return nil })

	if d.APIKey, d.APIKeyGenerated, err = d.devAPIKey(cfg, opts); err != nil {
		return nil, err
	}
	if _, err := store.EnsureDevWorkspace(ctx, DevWorkspaceName, d.APIKey); err != nil {
		return nil, fmt.Errorf("dev workspace: %w", err)
	}

	http, err := startHTTP(cfg.HTTPAddr, api.New(api.Deps{Config: cfg, Store: store, Temporal: temporal, Logger: log, Runs: workflows.Supports, Engine: engine.New(temporal, store, cfg),
		LINE: &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, Timeout: cfg.LineTimeout}}), log)
	if err != nil {
		return nil, err
	}
	d.stops = append(d.stops, http.shutdown)
	d.APIURL = http.URL()
	return d, nil
}

// Stop shuts everything down in reverse order: the API drains its requests, the worker
// finishes its tasks, the Temporal server flushes its state.
func (d *Dev) Stop(ctx context.Context) error {
	var errs []error
	for i := len(d.stops) - 1; i >= 0; i-- {
		if err := d.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	d.stops = nil
	return errors.Join(errs...)
}

// secretKey is LUMO_SECRET_KEY, or a key generated once and kept in the data directory.
func (d *Dev) secretKey(cfg config.Config, opts DevOptions) ([]byte, error) {
	if len(cfg.SecretKey) > 0 {
		return cfg.SecretKey, nil
	}
	if opts.InMemory {
		return secrets.GenerateKey()
	}
	encoded, created, err := loadOrCreate(filepath.Join(cfg.DataDir, "secret.key"), func() (string, error) {
		return randomToken("", 32)
	})
	if err != nil {
		return nil, fmt.Errorf("dev secret key: %w", err)
	}
	if created {
		d.log.Info("generated a secret key for this data directory", "file", filepath.Join(cfg.DataDir, "secret.key"))
	}
	return config.ParseSecretKey(encoded)
}

// devAPIKey is LUMO_DEV_API_KEY, or a key generated once and kept in the data directory.
func (d *Dev) devAPIKey(cfg config.Config, opts DevOptions) (string, bool, error) {
	if cfg.DevAPIKey != "" {
		return cfg.DevAPIKey, false, nil
	}
	generate := func() (string, error) { return randomToken("lumo_dev_", 24) }
	if opts.InMemory {
		key, err := generate()
		return key, true, err
	}
	key, _, err := loadOrCreate(filepath.Join(cfg.DataDir, "dev-api-key"), generate)
	return key, true, err
}
