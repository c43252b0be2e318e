package database

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// newQueryLogger logs slow queries and failed ones, never their parameters (they carry
// sealed secrets and friends' data), and stays quiet about unique-key violations: the
// Store turns those into conflicts the caller answers, so they are not errors here.
func newQueryLogger(log *slog.Logger) logger.Interface {
	return quietOnConflicts{logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})}
}

type quietOnConflicts struct{ logger.Interface }

func (q quietOnConflicts) LogMode(level logger.LogLevel) logger.Interface {
	return quietOnConflicts{q.Interface.LogMode(level)}
}

func (q quietOnConflicts) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if IsUniqueViolation(err) {
		err = nil // still logged if it was slow
	}
	q.Interface.Trace(ctx, begin, fc, err)
}

// IsUniqueViolation recognizes a unique-key failure from either database: PostgreSQL's is
// translated to gorm.ErrDuplicatedKey; SQLite's (modernc) is recognized by its text.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}
