package faults_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
)

// server is the package's Temporal server; every test has a task queue of its own.
var server *temporaltest.TemporalServer

// runAsEnv, when set to "api" or "worker", makes the test binary the product's process
// instead of running tests: what `lumo api` and `lumo worker` do (cmd/lumo), settings
// read from the environment.
const runAsEnv = "LUMO_FAULTS_RUN_AS"

func TestMain(m *testing.M) {
	if role := os.Getenv(runAsEnv); role != "" {
		if err := runAsLumo(role); err != nil {
			fmt.Fprintf(os.Stderr, "lumo %s: %v\n", role, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	temporaltest.Main(m, &server)
}

// runAsLumo is cmd/lumo's `api` and `worker` commands.
func runAsLumo(role string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	switch role {
	case "api":
		err = app.RunAPI(ctx, cfg, log)
	case "worker":
		err = app.RunWorker(ctx, cfg, log)
	default:
		return fmt.Errorf("%s=%q: want api or worker", runAsEnv, role)
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
