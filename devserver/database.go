package devserver

import (
	stdsql "database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

// stores are the SQLite databases the server persists to: main holds the histories,
// the workflows' state, the task queues and the namespaces; visibility holds the run
// lists the Web UI and ListWorkflowExecutions read.
//
// They are two files (two memory databases without a file), not one, because SQLite
// writes one transaction at a time per database and Temporal's plugin gives each
// database a single connection: visibility's writes (a run's start, every search
// attribute update, its close) are as many as all the rest and would make each
// workflow start, signal and task wait behind them. A data directory made before the
// split keeps its one file.
type stores struct {
	main, visibility *config.SQL
	// files are the database files, to checkpoint at stop (none in memory).
	files []string
}

// prepareDatabase returns the SQLite stores for opts, with their schema in place
// and opts.Namespace registered with opts.SearchAttributes if it was missing.
// It runs before the server starts: the server needs the namespace to exist and
// offers no other way to create a namespace without a running frontend.
func prepareDatabase(opts Options) (stores, error) {
	if opts.DatabaseFile == "" {
		// The SQLite plugin creates the schema itself when it opens an in-memory
		// database. Shared-cache memory databases are shared by name within the
		// process, so every server gets names of its own.
		name := fmt.Sprintf("lumo-devserver-%016x", rand.Uint64())
		st := stores{main: memoryDatabase(name), visibility: memoryDatabase(name + "-visibility")}
		return st, createNamespace(st.main, opts)
	}
	path, err := filepath.Abs(opts.DatabaseFile)
	if err != nil {
		return stores{}, fmt.Errorf("database file %q: %w", opts.DatabaseFile, err)
	}
	visibilityPath := visibilityFile(path)
	st := stores{main: fileDatabase(path), visibility: fileDatabase(visibilityPath), files: []string{path, visibilityPath}}
	switch mainExists, visibilityExists := exists(path), exists(visibilityPath); {
	case mainExists && !visibilityExists:
		// Made before the split: the visibility tables are in the main file.
		st.visibility, st.files = st.main, []string{path}
	case !mainExists && visibilityExists:
		// Runs of a database that is gone: nothing to list.
		if err := removeDatabase(visibilityPath); err != nil {
			return stores{}, err
		}
	}
	if err := setupSchemaIfNew(st.main, path); err != nil {
		return stores{}, err
	}
	if st.visibility != st.main {
		if err := setupSchemaIfNew(st.visibility, visibilityPath); err != nil {
			return stores{}, err
		}
	}
	return st, createNamespace(st.main, opts)
}

func memoryDatabase(name string) *config.SQL {
	return &config.SQL{PluginName: sqliteplugin.PluginName, DatabaseName: name,
		ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"}}
}

// fileDatabase is the SQLite file at path. rwc creates the file if missing. WAL with
// synchronous=NORMAL (the app's own SQLite runs so too) commits without an fsync: the
// default rollback journal fsyncs several times a commit, and the server, which
// persists through one connection a file, waited on the disk for most of its time (on
// a 2-core VM, 33 workflow starts a second against 161 with WAL; cmd/lumo-bench). A
// process crash loses nothing; a power cut may lose the last transactions.
func fileDatabase(path string) *config.SQL {
	return &config.SQL{PluginName: sqliteplugin.PluginName, DatabaseName: path,
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal"}}
}

// visibilityFile is where the visibility database of the main file at path lives:
// temporal.db's is temporal-visibility.db.
func visibilityFile(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-visibility" + ext
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// removeDatabase removes the SQLite file at path with its write-ahead log and index.
func removeDatabase(path string) error {
	for _, file := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", file, err)
		}
	}
	return nil
}

// createNamespace registers opts.Namespace in the main database if it is missing.
func createNamespace(main *config.SQL, opts Options) error {
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return fmt.Errorf("namespace %q: %w", opts.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	// A no-op when the namespace exists; search attributes added since are
	// registered through the running server (see ensureSearchAttributes).
	if err := sqliteschema.CreateNamespaces(main, ns); err != nil {
		return fmt.Errorf("create namespace %q: %w", opts.Namespace, err)
	}
	return nil
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
