package database

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	// The pure-Go SQLite driver; the embedded Temporal server uses it too, and it
	// registers the driver name "sqlite".
	_ "modernc.org/sqlite"
)

// Dialect names the kind of database.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Options say which database to open.
type Options struct {
	// URL is a PostgreSQL URL (postgres://…); empty means SQLite.
	URL string
	// SQLitePath is the SQLite file; ":memory:" or empty means a private in-memory database.
	SQLitePath string
	// Logger receives slow-query warnings and errors; nil means slog.Default().
	Logger *slog.Logger
}

// DB is an open application database.
type DB struct {
	*gorm.DB
	Dialect Dialect
}

// Open connects and checks the connection; it does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	gormConfig := &gorm.Config{
		// Unique-key failures become gorm.ErrDuplicatedKey on PostgreSQL.
		TranslateError: true,
		Logger:         newQueryLogger(log),
		NowFunc:        func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}

	var (
		dialector gorm.Dialector
		dialect   Dialect
	)
	if opts.URL != "" {
		if !strings.HasPrefix(opts.URL, "postgres://") && !strings.HasPrefix(opts.URL, "postgresql://") {
			return nil, fmt.Errorf("DATABASE_URL must start with postgres:// (SQLite is used when it is empty)")
		}
		dialector, dialect = postgres.Open(opts.URL), Postgres
	} else {
		dialector, dialect = sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(opts.SQLitePath)}), SQLite
	}

	gdb, err := gorm.Open(dialector, gormConfig)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One writer at a time is all SQLite allows; a small pool of connections that
		// wait on the busy timeout (and take the write lock at BEGIN) avoids SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(4)
		if isMemory(opts.SQLitePath) {
			// Each connection to ":memory:" would be its own database; keep one.
			sqlDB.SetMaxOpenConns(1)
		}
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &DB{DB: gdb, Dialect: dialect}, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

func isMemory(path string) bool { return path == "" || path == ":memory:" }

// sqliteDSN builds a modernc.org/sqlite DSN: WAL so readers never wait for the writer,
// a busy timeout so writers queue instead of failing, foreign keys on, and immediate
// transactions so a transaction that reads then writes cannot deadlock on lock upgrade.
func sqliteDSN(path string) string {
	params := url.Values{}
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_txlock", "immediate")
	params.Add("_time_format", "sqlite")
	if isMemory(path) {
		return "file::memory:?" + params.Encode()
	}
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	return "file:" + filepath.ToSlash(path) + "?" + params.Encode()
}
