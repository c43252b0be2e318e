package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/secrets"
)

func runDev(ctx context.Context, cfg config.Config, args []string, log *slog.Logger, stdout io.Writer) error {
	flags := flag.NewFlagSet("lumo dev", flag.ContinueOnError)
	inMemory := flags.Bool("in-memory", false, "keep Temporal's state and the app's data in memory (lost on stop)")
	if err := flags.Parse(args); err != nil {
		return errUsage
	}
	started := time.Now()
	dev, err := app.StartDev(ctx, cfg, app.DevOptions{InMemory: *inMemory}, log)
	if err != nil {
		return err
	}
	printDevBanner(stdout, cfg, dev, time.Since(started))
	<-ctx.Done()
	fmt.Fprintln(stdout, "lumo dev: shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return dev.Stop(stopCtx)
}

func printDevBanner(w io.Writer, cfg config.Config, dev *app.Dev, took time.Duration) {
	fmt.Fprintf(w, "\nLumo Workflows dev is running (started in %s)\n\n", took.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  API               %s   (OpenAPI: %s/openapi.json)\n", dev.APIURL, dev.APIURL)
	if dev.UIURL != "" {
		fmt.Fprintf(w, "  Temporal Web UI   %s\n", dev.UIURL)
	}
	fmt.Fprintf(w, "  Temporal          %s   (namespace %s)\n", dev.TemporalAddr, dev.Namespace)
	switch {
	case dev.DataDir == "":
		fmt.Fprintf(w, "  Data              in memory (lost on stop)\n")
	case cfg.UsesPostgres():
		fmt.Fprintf(w, "  Data              PostgreSQL (DATABASE_URL); Temporal in %s\n", dev.DataDir)
	default:
		fmt.Fprintf(w, "  Data              %s\n", dev.DataDir)
	}
	fmt.Fprintf(w, "  API key           %s", dev.APIKey)
	if dev.APIKeyGenerated {
		fmt.Fprintf(w, "   (generated; set LUMO_DEV_API_KEY to choose one)")
	}
	fmt.Fprintf(w, "\n\n  curl -H 'Authorization: Bearer %s' %s/v1/line-accounts\n\nCtrl-C stops.\n", dev.APIKey, dev.APIURL)
}

func runAPI(ctx context.Context, cfg config.Config, args []string, log *slog.Logger) error {
	if len(args) > 0 {
		return fmt.Errorf("lumo api takes no arguments: %w", errUsage)
	}
	return app.RunAPI(ctx, cfg, log)
}

func runWorker(ctx context.Context, cfg config.Config, args []string, log *slog.Logger) error {
	if len(args) > 0 {
		return fmt.Errorf("lumo worker takes no arguments: %w", errUsage)
	}
	return app.RunWorker(ctx, cfg, log)
}

func runMigrate(ctx context.Context, cfg config.Config, args []string, log *slog.Logger, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("lumo migrate up|down|status: %w", errUsage)
	}
	db, err := app.OpenDatabase(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		applied, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: applied %d migration(s)\n", db.Dialect, applied)
	case "down":
		rolledBack, err := db.MigrateDown(ctx)
		if err != nil {
			return err
		}
		if !rolledBack {
			fmt.Fprintf(stdout, "%s: nothing to roll back\n", db.Dialect)
			return nil
		}
		fmt.Fprintf(stdout, "%s: rolled back the latest migration\n", db.Dialect)
	case "status":
		statuses, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, s := range statuses {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
		}
	default:
		return fmt.Errorf("lumo migrate %q: want up, down or status: %w", args[0], errUsage)
	}
	return nil
}

func runWorkspace(ctx context.Context, cfg config.Config, args []string, log *slog.Logger, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "create" || args[1] == "" {
		return fmt.Errorf("lumo workspace create NAME: %w", errUsage)
	}
	if len(cfg.SecretKey) == 0 {
		// Creating a workspace seals nothing, so any key will do here.
		key, err := secrets.GenerateKey()
		if err != nil {
			return err
		}
		cfg.SecretKey = key
	}
	db, store, err := app.OpenStore(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer db.Close()
	ws, key, err := store.CreateWorkspace(ctx, args[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "workspace %s (%s)\nAPI key (shown once): %s\n", ws.Name, ws.ID, key)
	return nil
}
