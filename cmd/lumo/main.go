// Command lumo is Lumo Workflows' one binary.
//
//	lumo dev                  everything in one process, for a laptop
//	lumo api                  the HTTP API alone (scale out: run several)
//	lumo worker               the Temporal worker alone (scale out: run several)
//	lumo migrate up|down|status
//	lumo workspace create NAME
//	lumo secrets rotate [--batch N]
//
// Settings come from the environment (see the README and .env.example).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/lumoworkflows/lumo/config"
)

const usage = `lumo: a durable automation engine for LINE Official Accounts

Usage:
  lumo dev [--in-memory]       embedded Temporal server and Web UI, worker and API in one process
  lumo api                     the HTTP API, against LUMO_TEMPORAL_ADDR and DATABASE_URL
  lumo worker                  the Temporal worker, against LUMO_TEMPORAL_ADDR and DATABASE_URL
  lumo migrate up|down|status  apply, roll back one, or list the database migrations
  lumo workspace create NAME   create a workspace and print its first API key (shown once)
  lumo secrets rotate          re-seal every secret under the first key of LUMO_SECRET_KEY

Settings are environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lumo:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("see `lumo help`")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	command, rest := args[0], args[1:]
	if command == "help" || command == "-h" || command == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg.LogLevel, stderr)
	switch command {
	case "dev":
		return runDev(ctx, cfg, rest, log, stdout)
	case "api":
		return runAPI(ctx, cfg, rest, log)
	case "worker":
		return runWorker(ctx, cfg, rest, log)
	case "migrate":
		return runMigrate(ctx, cfg, rest, log, stdout)
	case "workspace":
		return runWorkspace(ctx, cfg, rest, log, stdout)
	case "secrets":
		return runSecrets(ctx, cfg, rest, log, stdout)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q: %w", command, errUsage)
	}
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // config.Load validated it
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
