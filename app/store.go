package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

// OpenDatabase opens the application database the configuration names: PostgreSQL when
// DATABASE_URL is set, else the SQLite file in the data directory (or memory).
func OpenDatabase(ctx context.Context, cfg config.Config, inMemory bool, log *slog.Logger) (*database.DB, error) {
	opts := database.Options{URL: cfg.DatabaseURL, Logger: log}
	if !cfg.UsesPostgres() && !inMemory {
		if err := ensureDir(cfg.DataDir); err != nil {
			return nil, err
		}
		opts.SQLitePath = filepath.Join(cfg.DataDir, "lumo.db")
	}
	return database.Open(ctx, opts)
}

// OpenStore opens and migrates the database and returns the Store over it. Callers close
// the returned database.
func OpenStore(ctx context.Context, cfg config.Config, inMemory bool, log *slog.Logger) (*database.DB, *models.Store, error) {
	if len(cfg.SecretKey) == 0 {
		return nil, nil, errors.New("LUMO_SECRET_KEY is required (32 bytes, base64 or hex; `lumo dev` generates one)")
	}
	box, err := secrets.NewBox(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, nil, err
	}
	db, err := OpenDatabase(ctx, cfg, inMemory, log)
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.MigrateUp(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if applied > 0 {
		log.Info("database migrated", "dialect", db.Dialect, "applied", applied)
	}
	return db, models.NewStore(db.DB, box), nil
}

func ensureDir(dir string) error {
	if err := mkdirPrivate(dir); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	return nil
}
