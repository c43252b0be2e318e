package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
)

// checkSecretKey is the start-up key check (models.Store.EnsureSecretKey), said plainly
// in the log when it fails: a process with the wrong LUMO_SECRET_KEY would otherwise
// only find out at the first secret it reads, as a 500 or a failed step.
func checkSecretKey(ctx context.Context, store *models.Store, log *slog.Logger) error {
	err := store.EnsureSecretKey(ctx)
	switch {
	case errors.Is(err, models.ErrWrongSecretKey):
		log.ErrorContext(ctx, "wrong secret key: LUMO_SECRET_KEY cannot open the secrets this database holds", "error", err)
	case err != nil:
		log.ErrorContext(ctx, "secret key check failed", "error", err)
	}
	return err
}

// RotateSecrets re-seals every sealed value in the database under the current key (the
// first of LUMO_SECRET_KEY) in batches of batch rows (0: models.DefaultRotationBatch),
// logging each batch. Run it again after an interruption; see models.Store.
// RotateSecretKeys.
func RotateSecrets(ctx context.Context, cfg config.Config, batch int, log *slog.Logger) (models.RotationReport, error) {
	db, store, err := OpenStore(ctx, cfg, false, log)
	if err != nil {
		return models.RotationReport{}, err
	}
	defer db.Close()
	return store.RotateSecretKeys(ctx, models.RotateOptions{
		BatchSize: batch,
		Progress: func(p models.RotationProgress) {
			log.InfoContext(ctx, "re-sealed a batch", "column", p.Column.Column,
				"resealed", p.Column.Resealed, "alreadyCurrent", p.Column.AlreadyCurrent, "changedMeanwhile", p.Column.Changed)
		},
	})
}
