package models

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/secrets"
)

// Store reads and writes Lumo's rows. It is safe for concurrent use.
type Store struct {
	db  *gorm.DB
	box *secrets.Box
}

// NewStore returns a Store over an open, migrated database; box seals secrets at rest.
func NewStore(db *gorm.DB, box *secrets.Box) *Store {
	return &Store{db: db, box: box}
}

// DB is the underlying handle, for health checks and transactions that span tables.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping tells whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// notFound maps gorm's missing-row error to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
