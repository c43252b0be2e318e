package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresAdminURL is the server tests create their databases on.
func PostgresAdminURL() string {
	if u := os.Getenv("LUMO_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return defaultPostgresURL
}

// PostgresEnabled is false only when LUMO_TEST_POSTGRES=off.
func PostgresEnabled() bool { return os.Getenv("LUMO_TEST_POSTGRES") != "off" }

// NewPostgresURL creates an empty database for t and returns its URL; the database is
// dropped when t ends.
func NewPostgresURL(t testing.TB) string {
	t.Helper()
	if !PostgresEnabled() {
		t.Skip("LUMO_TEST_POSTGRES=off")
	}
	admin, err := sql.Open("pgx", PostgresAdminURL())
	if err != nil {
		t.Fatalf("testenv: open PostgreSQL admin connection: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	name := "lumo_test_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: PostgreSQL at %s is needed (start it, or set LUMO_TEST_POSTGRES=off): %v", PostgresAdminURL(), err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", PostgresAdminURL())
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(PostgresAdminURL())
	if err != nil {
		t.Fatalf("testenv: LUMO_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a fresh migrated PostgreSQL database for t.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	return open(t, database.Options{URL: NewPostgresURL(t)})
}

// SQLite returns a fresh migrated SQLite file database for t.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	return open(t, database.Options{SQLitePath: filepath.Join(t.TempDir(), "lumo.db")})
}

func open(t testing.TB, opts database.Options) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return db
}

// EachDatabase runs test once on PostgreSQL and once on SQLite, as subtests named for the
// database.
func EachDatabase(t *testing.T, test func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("postgres", func(t *testing.T) { test(t, Postgres(t)) })
	t.Run("sqlite", func(t *testing.T) { test(t, SQLite(t)) })
}

// SecretBox returns a Box under a random key.
func SecretBox(t testing.TB) *secrets.Box {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// Store returns a Store over db with a random secret key.
func Store(t testing.TB, db *database.DB) *models.Store {
	t.Helper()
	return models.NewStore(db.DB, SecretBox(t))
}

// Workspace creates a workspace and returns it with its API key.
func Workspace(t testing.TB, store *models.Store, name string) (models.Workspace, string) {
	t.Helper()
	ws, key, err := store.CreateWorkspace(context.Background(), name)
	if err != nil {
		t.Fatalf("testenv: create workspace: %v", err)
	}
	return ws, key
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testenv: random: %v", err))
	}
	return hex.EncodeToString(b)
}
