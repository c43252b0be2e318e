package devserver

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A data directory gets its visibility database as a file of its own, except one made
// before the split, which keeps its one file; a visibility file whose main database is
// gone is made anew.
func TestPrepareDatabase_VisibilityFile(t *testing.T) {
	cases := []struct {
		name string
		// before makes what the directory holds before the start.
		before         func(t *testing.T, main, visibility string)
		wantVisibility func(main, visibility string) string
		wantFiles      func(main, visibility string) []string
	}{
		{
			name:           "new directory: two files",
			before:         func(t *testing.T, main, visibility string) {},
			wantVisibility: func(main, visibility string) string { return visibility },
			wantFiles:      func(main, visibility string) []string { return []string{main, visibility} },
		},
		{
			name: "made before the split: one file",
			before: func(t *testing.T, main, visibility string) {
				if err := setupSchemaIfNew(fileDatabase(main), main); err != nil {
					t.Fatal(err)
				}
			},
			wantVisibility: func(main, visibility string) string { return main },
			wantFiles:      func(main, visibility string) []string { return []string{main} },
		},
		{
			name: "a visibility file without its main database: made anew",
			before: func(t *testing.T, main, visibility string) {
				if err := os.WriteFile(visibility, []byte("not a database"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantVisibility: func(main, visibility string) string { return visibility },
			wantFiles:      func(main, visibility string) []string { return []string{main, visibility} },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			main, visibility := filepath.Join(dir, "temporal.db"), filepath.Join(dir, "temporal-visibility.db")
			tc.before(t, main, visibility)

			db, err := prepareDatabase(Options{Namespace: "default", DatabaseFile: main})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := db.visibility.DatabaseName, tc.wantVisibility(main, visibility); got != want {
				t.Errorf("visibility database %s, want %s", got, want)
			}
			if got, want := db.files, tc.wantFiles(main, visibility); !slices.Equal(got, want) {
				t.Errorf("files %v, want %v", got, want)
			}
			if _, err := os.Stat(visibility); (err == nil) != slices.Contains(db.files, visibility) {
				t.Errorf("visibility file exists: %v, in use: %v", err == nil, slices.Contains(db.files, visibility))
			}
			for _, file := range db.files {
				if err := checkpoint(file); err != nil {
					t.Errorf("%s is not a usable database: %v", file, err)
				}
			}
		})
	}
}
