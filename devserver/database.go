package devserver

import (
	stdsql "database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// clusterName names the one cluster the embedded server forms.
	clusterName = "active"

	// retention keeps closed workflows a week, long enough to look back at a
	// run in the Web UI after a weekend; SQLite's default would be one day.
	retention = 7 * 24 * time.Hour
)

// prepareDatabase returns the SQLite store for opts, with its schema in place
// and opts.Namespace registered with opts.SearchAttributes if it was missing.
// It runs before the server starts: the server needs the namespace to exist and
// offers no other way to create a namespace without a running frontend.
func prepareDatabase(opts Options) (*config.SQL, error) {
	sql := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.DatabaseFile == "" {
		// The SQLite plugin creates the schema itself when it opens an in-memory
		// database. Shared-cache memory databases are shared by name within the
		// process, so every server gets a name of its own.
		sql.DatabaseName = fmt.Sprintf("lumo-devserver-%016x", rand.Uint64())
		sql.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		path, err := filepath.Abs(opts.DatabaseFile)
		if err != nil {
			return nil, fmt.Errorf("database file %q: %w", opts.DatabaseFile, err)
		}
		sql.DatabaseName = path
		// rwc creates the file if missing. WAL with synchronous=NORMAL (the app's own
		// SQLite runs so too) commits without an fsync: the default rollback journal
		// fsyncs several times a commit, and the server, which persists through one
		// connection, waited on the disk for most of its time (on a 2-core VM, 33
		// workflow starts a second against 161 with WAL; cmd/lumo-bench). A process
		// crash loses nothing; a power cut may lose the last transactions.
		sql.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal"}
		if err := setupSchemaIfNew(sql, path); err != nil {
			return nil, err
		}
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace %q: %w", opts.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	// A no-op when the namespace exists; search attributes added since are
	// registered through the running server (see ensureSearchAttributes).
	if err := sqliteschema.CreateNamespaces(sql, ns); err != nil {
		return nil, fmt.Errorf("create namespace %q: %w", opts.Namespace, err)
	}
	return sql, nil
}

// setupSchemaIfNew creates Temporal's tables when the database file does not
// exist yet. An existing file is taken as set up: the schema has no version
// check of its own for SQLite, and running it twice fails on existing tables.
func setupSchemaIfNew(sql *config.SQL, path string) error {
	_, err := os.Stat(path)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("database file: %w", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("directory of database file: %w", err)
	}
	if err := sqliteschema.SetupSchema(sql); err != nil {
		// A half-made schema would pass for a complete one on the next start.
		_ = os.Remove(path)
		return fmt.Errorf("create schema in %s: %w", path, err)
	}
	return nil
}

// checkpoint copies what the write-ahead log of the SQLite file at path holds into the
// file itself and empties the log. Temporal's SQLite plugin keeps its connection open
// for the life of the process (its pool never closes one), so SQLite never does this
// on its own when the server stops: without it a stopped `lumo dev` would leave its
// newest data in temporal.db-wal, safe (SQLite reads it back at the next start) but
// lost to anyone who copies temporal.db alone.
func checkpoint(path string) error {
	db, err := stdsql.Open("sqlite", "file:"+path+"?mode=rw")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer db.Close()
	var busy, logPages, moved int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &moved); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint %s: the database is still in use (%d of %d log pages copied)", path, moved, logPages)
	}
	return nil
}
