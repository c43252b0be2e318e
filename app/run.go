package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/internal/searchattr"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

// RunAPI serves the API against an external Temporal and database until ctx ends.
func RunAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, store, err := OpenStore(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// A wrong key does not stop the API: it serves what needs no secret, and /readyz is
	// 503 (check secretKey) so that a rollout with the wrong key gets no traffic.
	_ = checkSecretKey(ctx, store, log)
	// A lazy client: the API serves (and /readyz says Temporal is down) while the
	// cluster is unreachable, instead of refusing to start.
	temporal, err := client.NewLazyClient(temporalOptions(cfg, log))
	if err != nil {
		return fmt.Errorf("temporal client: %w", err)
	}
	defer temporal.Close()

	server, err := startHTTP(cfg.HTTPAddr, api.New(api.Deps{Config: cfg, Store: store, Temporal: temporal, Logger: log, Runs: workflows.Supports, Engine: engine.New(temporal, store, cfg),
		LINE: &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, Timeout: cfg.LineTimeout}}), log)
	if err != nil {
		return err
	}
	log.Info("API listening", "url", server.URL())
	<-ctx.Done()
	return shutdownWithin(cfg, func(ctx context.Context) error { return server.shutdown(ctx) })
}

// RunWorker runs the Temporal worker against an external Temporal and database until ctx
// ends.
func RunWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, store, err := OpenStore(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// A worker with the wrong key would fail every step that opens a secret: it refuses
	// to start instead.
	if err := checkSecretKey(ctx, store, log); err != nil {
		return fmt.Errorf("the worker does not start: %w", err)
	}
	temporal, err := DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer temporal.Close()
	w, err := startWorker(ctx, cfg, temporal, store)
	if err != nil {
		return err
	}
	log.Info("worker polling", "temporal", cfg.TemporalAddr, "namespace", cfg.TemporalNamespace, "taskQueue", cfg.TemporalTaskQueue)
	<-ctx.Done()
	w.Stop()
	return nil
}

// startWorker prepares the namespace (search attributes, schedules) and starts polling.
func startWorker(ctx context.Context, cfg config.Config, temporal client.Client, store *models.Store) (sdkworker.Worker, error) {
	if err := searchattr.Ensure(ctx, temporal, cfg.TemporalNamespace, workflows.SearchAttributes()); err != nil {
		return nil, err
	}
	if err := worker.EnsureSchedules(ctx, temporal, cfg); err != nil {
		return nil, err
	}
	w, err := worker.New(worker.Deps{Config: cfg, Client: temporal, Store: store})
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// shutdownWithin runs a graceful stop bounded by the configured shutdown timeout.
func shutdownWithin(cfg config.Config, stop func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return stop(ctx)
}
