package database_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// migrateDownBelow rolls back every applied migration numbered version or above.
func migrateDownBelow(t *testing.T, db *database.DB, version int64) {
	t.Helper()
	ctx := context.Background()
	for {
		statuses, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		latest := int64(0)
		for _, s := range statuses {
			if s.Applied && s.Version > latest {
				latest = s.Version
			}
		}
		if latest < version {
			return
		}
		if _, err := db.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// Before migration 00006, an actor without X-Lumo-Actor was recorded as "api-key:" and
// the first 12 characters of the key, which api_keys.prefix kept too. The migration
// names the key by its ID instead and forgets every prefix.
func TestMigration00006_ActorsNameTheKeyByIDAndNoPrefixIsKept(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		migrateDownBelow(t, db, 6)

		now := time.Now().UTC()
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.WithContext(ctx).Exec(sql, args...).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		wsA, wsB := models.NewID(), models.NewID()
		for _, ws := range []string{wsA, wsB} {
			exec(`INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`, ws, "ws", now, now)
		}
		type key struct{ id, workspace, name, prefix string }
		keyA1 := key{models.NewID(), wsA, "default", "lumo_AAAAAAA"}
		keyA2 := key{models.NewID(), wsA, "ci", "lumo_BBBBBBB"}
		// Another workspace's key with the same prefix: actors match keys of their own
		// workspace only.
		keyB1 := key{models.NewID(), wsB, "default", "lumo_AAAAAAA"}
		// Two dev keys (LUMO_DEV_API_KEY changed) of one prefix: which acted is unknown.
		devKey1 := key{models.NewID(), wsA, "dev", "my-dev-key-0"}
		devKey2 := key{models.NewID(), wsA, "dev", "my-dev-key-0"}
		for i, k := range []key{keyA1, keyA2, keyB1, devKey1, devKey2} {
			exec(`INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				k.id, k.workspace, k.name, k.prefix, strings.Repeat(string(rune('a'+i)), 64), now)
		}

		type workflow struct{ id, workspace, createdBy, lastPublishedBy string }
		workflows := []workflow{
			{models.NewID(), wsA, "api-key:lumo_AAAAAAA", "api-key:lumo_BBBBBBB"},
			{models.NewID(), wsA, "mina@shop.example", ""},
			{models.NewID(), wsA, "api-key:my-dev-key-0", "api-key:my-dev-key-0"},
			{models.NewID(), wsB, "api-key:lumo_AAAAAAA", "api-key:lumo_AAAAAAA"},
			// An X-Lumo-Actor a person sent that looks like the old form but names no key.
			{models.NewID(), wsA, "api-key:someone", "api-key:lumo_ZZZZZZZ"},
		}
		for _, w := range workflows {
			exec(`INSERT INTO workflows (id, workspace_id, name, status, draft, created_by, created_at, updated_at, last_published_by)
				VALUES (?, ?, ?, 'draft', '{}', ?, ?, ?, ?)`, w.id, w.workspace, "w-"+w.id, w.createdBy, now, now, w.lastPublishedBy)
		}
		versionID := models.NewID()
		exec(`INSERT INTO workflow_versions (id, workspace_id, workflow_id, version, definition, hash, published_by, published_at)
			VALUES (?, ?, ?, 1, '{}', 'h', ?, ?)`, versionID, wsA, workflows[0].id, "api-key:lumo_BBBBBBB", now)

		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}

		want := map[string][2]string{
			workflows[0].id: {"api-key:" + keyA1.id, "api-key:" + keyA2.id},
			workflows[1].id: {"mina@shop.example", ""},
			workflows[2].id: {"api-key", "api-key"},
			workflows[3].id: {"api-key:" + keyB1.id, "api-key:" + keyB1.id},
			workflows[4].id: {"api-key:someone", "api-key:lumo_ZZZZZZZ"},
		}
		var got []struct {
			ID, CreatedBy, LastPublishedBy string
		}
		if err := db.WithContext(ctx).Raw(`SELECT id, created_by, last_published_by FROM workflows`).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		for _, w := range got {
			if actors := [2]string{w.CreatedBy, w.LastPublishedBy}; actors != want[w.ID] {
				t.Errorf("workflow %s: createdBy, lastPublishedBy = %q, want %q", w.ID, actors, want[w.ID])
			}
		}
		var publishedBy string
		if err := db.WithContext(ctx).Raw(`SELECT published_by FROM workflow_versions WHERE id = ?`, versionID).Scan(&publishedBy).Error; err != nil {
			t.Fatal(err)
		}
		if publishedBy != "api-key:"+keyA2.id {
			t.Errorf("version publishedBy = %q, want api-key:%s", publishedBy, keyA2.id)
		}

		var keys []map[string]any
		if err := db.WithContext(ctx).Raw(`SELECT * FROM api_keys`).Scan(&keys).Error; err != nil {
			t.Fatal(err)
		}
		for _, row := range keys {
			for column, value := range row {
				text, _ := value.(string)
				if b, ok := value.([]byte); ok {
					text = string(b)
				}
				for _, prefix := range []string{"lumo_AAAAAAA", "lumo_BBBBBBB", "my-dev-key-0"} {
					if strings.Contains(text, prefix) {
						t.Errorf("api_keys.%s still holds the prefix %q", column, prefix)
					}
				}
			}
		}
		// The keys `lumo dev` made are marked as its own, so that a new LUMO_DEV_API_KEY
		// revokes them.
		var devKeys []string
		if err := db.WithContext(ctx).Raw(`SELECT id FROM api_keys WHERE dev = ? ORDER BY id`, true).Scan(&devKeys).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Join(devKeys, ",") != devKey1.id+","+devKey2.id {
			t.Errorf("dev keys = %v, want %s and %s", devKeys, devKey1.id, devKey2.id)
		}
	})
}
