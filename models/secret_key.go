package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lumoworkflows/lumo/secrets"
)

// ErrWrongSecretKey means the configured LUMO_SECRET_KEY cannot open the values sealed
// in this database: a key is missing, or it is another database's key. The errors the
// key check returns wrap it and say which key or value is at fault.
var ErrWrongSecretKey = errors.New("LUMO_SECRET_KEY cannot open the values sealed in this database")

// sealedColumn is a column that holds secrets.Box values. Rotation and the key check
// walk every one, so a new sealed column is one entry in sealedColumns.
type sealedColumn struct {
	table, column string
	// nameColumn is read into sealedRow.Name when the place needs it.
	nameColumn string
	// place rebuilds the associated data the column's values are sealed with.
	place func(row sealedRow) string
}

// sealedRow is one value of a sealed column with what its place is made of.
type sealedRow struct {
	ID          string
	WorkspaceID string
	Name        string
	Sealed      string
}

func (c sealedColumn) String() string { return c.table + "." + c.column }

// sealedColumns is every column the Store seals values into.
var sealedColumns = []sealedColumn{
	{table: "line_accounts", column: "channel_secret_sealed",
		place: func(r sealedRow) string { return secretPlace(r.ID, "channel_secret") }},
	{table: "line_accounts", column: "channel_access_token_sealed",
		place: func(r sealedRow) string { return secretPlace(r.ID, "channel_access_token") }},
	{table: "secrets", column: "value_sealed", nameColumn: "name",
		place: func(r sealedRow) string { return secretValuePlace(r.WorkspaceID, r.Name) }},
}

// selectRows reads up to limit non-empty values of the column with IDs after afterID,
// in ID order (an empty value is a credential never given, which nothing seals).
func (c sealedColumn) selectRows(tx *gorm.DB, afterID string, limit int) ([]sealedRow, error) {
	name := "''"
	if c.nameColumn != "" {
		name = c.nameColumn
	}
	var rows []sealedRow
	err := tx.Table(c.table).
		Select(fmt.Sprintf("id, workspace_id, %s AS name, %s AS sealed", name, c.column)).
		Where(fmt.Sprintf("id > ? AND %s <> ''", c.column), afterID).
		Order("id").Limit(limit).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c, err)
	}
	return rows, nil
}

// SecretKeyCanary is a known value sealed under one key, written the first time a
// process starts with that key as its current one. While the row is there, every
// process must hold its key: the key check fails otherwise.
type SecretKeyCanary struct {
	KeyID     string `gorm:"primaryKey"`
	Sealed    string `gorm:"not null"`
	CreatedAt time.Time
}

// TableName is the canaries' table, spelled out rather than left to gorm's inflection.
func (SecretKeyCanary) TableName() string { return "secret_key_canaries" }

// canaryPlaintext is what every canary opens to.
const canaryPlaintext = "lumo secret key canary"

func canaryPlace(keyID string) string { return "secret_key_canaries/" + keyID }

// CheckSecretKey tells whether the Store's keys open what this database holds: every
// canary opens to its known value, or, in a database that has no canary yet (sealed
// before canaries existed), the first value of each sealed column opens. It changes
// nothing. The errors that are the key's fault wrap ErrWrongSecretKey; the others are
// the database's.
func (s *Store) CheckSecretKey(ctx context.Context) error {
	var canaries []SecretKeyCanary
	if err := s.db.WithContext(ctx).Order("key_id").Find(&canaries).Error; err != nil {
		return fmt.Errorf("read secret key canaries: %w", err)
	}
	for _, canary := range canaries {
		plaintext, err := s.box.Open(canary.Sealed, canaryPlace(canary.KeyID))
		var unknown *secrets.UnknownKeyError
		switch {
		case errors.As(err, &unknown):
			return fmt.Errorf("%w: values were sealed under key %s, which it does not hold (it holds %s); "+
				"put that key back after the new one, or run `lumo secrets rotate` with both before dropping it",
				ErrWrongSecretKey, unknown.KeyID, strings.Join(s.box.KeyIDs(), ", "))
		case err != nil || plaintext != canaryPlaintext:
			return fmt.Errorf("%w: the canary of key %s does not open: the key configured with that ID is not the one that sealed it, or the row was altered",
				ErrWrongSecretKey, canary.KeyID)
		}
	}
	if len(canaries) > 0 {
		return nil
	}
	for _, column := range sealedColumns {
		rows, err := column.selectRows(s.db.WithContext(ctx), "", 1)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if _, err := s.box.Open(row.Sealed, column.place(row)); err != nil {
				return fmt.Errorf("%w: the value in %s of row %s does not open with it (key IDs %s): %w",
					ErrWrongSecretKey, column, row.ID, strings.Join(s.box.KeyIDs(), ", "), err)
			}
		}
	}
	return nil
}

// EnsureSecretKey is CheckSecretKey, then the canary of the current key written if it
// is missing: what a process does at start. A key that fails the check writes nothing,
// so that putting the right key back is enough to start again.
func (s *Store) EnsureSecretKey(ctx context.Context) error {
	if err := s.CheckSecretKey(ctx); err != nil {
		return err
	}
	return s.writeCanary(ctx)
}

func (s *Store) writeCanary(ctx context.Context) error {
	keyID := s.box.KeyID()
	sealed, err := s.box.Seal(canaryPlaintext, canaryPlace(keyID))
	if err != nil {
		return err
	}
	// Processes starting together with one new key race to write it: the first wins.
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&SecretKeyCanary{KeyID: keyID, Sealed: sealed, CreatedAt: time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("write the canary of secret key %s: %w", keyID, err)
	}
	return nil
}

// DefaultRotationBatch is how many rows RotateSecretKeys re-seals in one transaction.
const DefaultRotationBatch = 500

// RotateOptions tune RotateSecretKeys.
type RotateOptions struct {
	// BatchSize is the rows re-sealed a transaction; 0 means DefaultRotationBatch.
	BatchSize int
	// Progress, when set, is called after each batch is committed.
	Progress func(RotationProgress)
}

// RotationProgress is where a rotation is: the column and its counts so far.
type RotationProgress struct {
	Column ColumnRotation
}

// ColumnRotation counts what a rotation did to one sealed column.
type ColumnRotation struct {
	// Column is "table.column".
	Column string
	// Resealed values were moved to the current key; AlreadyCurrent were under it.
	Resealed       int
	AlreadyCurrent int
	// Changed values were rewritten by someone else between the read and the write:
	// left as they are (the writer sealed them afresh) and counted by the final check.
	Changed int
}

// RotationReport is what RotateSecretKeys did.
type RotationReport struct {
	// KeyID is the current key, which every value is now under.
	KeyID   string
	Columns []ColumnRotation
	// Resealed and AlreadyCurrent add up the columns.
	Resealed       int
	AlreadyCurrent int
	// RetiredKeys are the keys whose canaries were deleted: no value is sealed under
	// them any more, and LUMO_SECRET_KEY may drop them.
	RetiredKeys []string
}

// RotateSecretKeys re-seals every sealed value of the database under the current key,
// in batches of one transaction each. It is idempotent: a value already under the
// current key is left alone, so a rotation that was interrupted (or one run twice) is
// finished by running it again. Once a final pass finds every value under the current
// key, the canaries of the other keys are deleted, which lets them be dropped from
// LUMO_SECRET_KEY; until then the key check keeps asking for them.
//
// Every process that writes secrets must hold the current key first (as the first of
// LUMO_SECRET_KEY), or it goes on sealing under the old key while this runs; the final
// pass catches that and returns an error instead of retiring the old key.
func (s *Store) RotateSecretKeys(ctx context.Context, opts RotateOptions) (RotationReport, error) {
	batch := opts.BatchSize
	if batch <= 0 {
		batch = DefaultRotationBatch
	}
	report := RotationReport{KeyID: s.box.KeyID()}
	// Refuse up front when a key is missing: otherwise every value would fail on its own.
	if err := s.EnsureSecretKey(ctx); err != nil {
		return report, err
	}
	for _, column := range sealedColumns {
		counts, err := s.rotateColumn(ctx, column, batch, opts.Progress)
		report.Columns = append(report.Columns, counts)
		report.Resealed += counts.Resealed
		report.AlreadyCurrent += counts.AlreadyCurrent
		if err != nil {
			return report, err
		}
	}
	left, err := s.valuesNotUnderCurrentKey(ctx, batch)
	if err != nil {
		return report, err
	}
	if left > 0 {
		return report, fmt.Errorf("%d sealed values are still under another key than %s (written while rotating by a process without the new key first?); run the rotation again", left, report.KeyID)
	}
	report.RetiredKeys, err = s.retireOtherCanaries(ctx)
	return report, err
}

func (s *Store) rotateColumn(ctx context.Context, column sealedColumn, batch int, progress func(RotationProgress)) (ColumnRotation, error) {
	counts := ColumnRotation{Column: column.String()}
	for after := ""; ; {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		var rows []sealedRow
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			if rows, err = column.selectRows(tx, after, batch); err != nil {
				return err
			}
			for _, row := range rows {
				resealed, changed, err := s.box.Reseal(row.Sealed, column.place(row))
				if err != nil {
					return fmt.Errorf("re-seal %s of row %s: %w", column, row.ID, err)
				}
				if !changed {
					counts.AlreadyCurrent++
					continue
				}
				// Only if the value is still the one read: a secret changed meanwhile
				// keeps its new value.
				res := tx.Table(column.table).
					Where(fmt.Sprintf("id = ? AND %s = ?", column.column), row.ID, row.Sealed).
					Update(column.column, resealed)
				if res.Error != nil {
					return fmt.Errorf("write %s of row %s: %w", column, row.ID, res.Error)
				}
				if res.RowsAffected == 0 {
					counts.Changed++
				} else {
					counts.Resealed++
				}
			}
			return nil
		})
		if err != nil {
			return counts, err
		}
		if len(rows) == 0 {
			return counts, nil
		}
		after = rows[len(rows)-1].ID
		if progress != nil {
			progress(RotationProgress{Column: counts})
		}
		if len(rows) < batch {
			return counts, nil
		}
	}
}

// valuesNotUnderCurrentKey counts the sealed values that are not v2 values of the
// current key, reading in batches.
func (s *Store) valuesNotUnderCurrentKey(ctx context.Context, batch int) (int, error) {
	left := 0
	for _, column := range sealedColumns {
		for after := ""; ; {
			rows, err := column.selectRows(s.db.WithContext(ctx), after, batch)
			if err != nil {
				return 0, err
			}
			for _, row := range rows {
				if !s.box.SealedUnderCurrentKey(row.Sealed) {
					left++
				}
			}
			if len(rows) < batch {
				break
			}
			after = rows[len(rows)-1].ID
		}
	}
	return left, nil
}

// retireOtherCanaries deletes the canaries of every key but the current one and returns
// their key IDs.
func (s *Store) retireOtherCanaries(ctx context.Context) ([]string, error) {
	var retired []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&SecretKeyCanary{}).Where("key_id <> ?", s.box.KeyID()).Order("key_id").Pluck("key_id", &retired).Error; err != nil {
			return err
		}
		return tx.Where("key_id <> ?", s.box.KeyID()).Delete(&SecretKeyCanary{}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("retire the canaries of older secret keys: %w", err)
	}
	return retired, nil
}
