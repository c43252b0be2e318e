package database_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// tables lists the application's tables as the database sees them.
func tables(t *testing.T, db *database.DB) []string {
	t.Helper()
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`
	if db.Dialect == database.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`
	}
	var names []string
	if err := db.Raw(query).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

func TestMigrations_UpDownUpOnBothDatabases(t *testing.T) {
	open := map[string]func(t *testing.T) *database.DB{
		"postgres": func(t *testing.T) *database.DB {
			db, err := database.Open(context.Background(), database.Options{URL: testenv.NewPostgresURL(t)})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		"sqlite": func(t *testing.T) *database.DB {
			db, err := database.Open(context.Background(), database.Options{SQLitePath: filepath.Join(t.TempDir(), "m.db")})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	}
	for name, openDB := range open {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			defer db.Close()

			applied, err := db.MigrateUp(ctx)
			if err != nil || applied == 0 {
				t.Fatalf("up: applied %d, %v", applied, err)
			}
			schema := tables(t, db)
			if len(schema) < 14 {
				t.Fatalf("tables after up: %v", schema)
			}
			again, err := db.MigrateUp(ctx)
			if err != nil || again != 0 {
				t.Fatalf("second up applied %d, %v; want 0", again, err)
			}
			statuses, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range statuses {
				if !s.Applied {
					t.Errorf("migration %d %s pending after up", s.Version, s.Name)
				}
			}
			for range statuses {
				if rolledBack, err := db.MigrateDown(ctx); err != nil || !rolledBack {
					t.Fatalf("down: %v, %v", rolledBack, err)
				}
			}
			if left := tables(t, db); len(left) != 0 {
				t.Fatalf("tables left after rolling everything back: %v", left)
			}
			if rolledBack, err := db.MigrateDown(ctx); err != nil || rolledBack {
				t.Fatalf("down with nothing applied: %v, %v; want false, nil", rolledBack, err)
			}
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatalf("up after down: %v", err)
			}
			if got := tables(t, db); strings.Join(got, ",") != strings.Join(schema, ",") {
				t.Fatalf("tables after up-down-up = %v, want %v", got, schema)
			}
		})
	}
}

// Both databases must carry the same migrations: a file added on one side only would
// leave the other without a table or column.
func TestMigrations_SameVersionsForBothDatabases(t *testing.T) {
	list := func(dir string) []string {
		entries, err := os.ReadDir(filepath.Join("migrations", dir))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	pg, lite := list("postgres"), list("sqlite")
	if strings.Join(pg, ",") != strings.Join(lite, ",") {
		t.Fatalf("migrations differ:\npostgres: %v\nsqlite:   %v", pg, lite)
	}
}

func TestOpen_RejectsANonPostgresURL(t *testing.T) {
	_, err := database.Open(context.Background(), database.Options{URL: "mysql://root@localhost/x"})
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("err = %v, want a message naming postgres://", err)
	}
}
