package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// storedText is every text value of every api_keys row, column by column.
func storedText(t *testing.T, db *database.DB) map[string][]string {
	t.Helper()
	var rows []map[string]any
	if err := db.Raw("SELECT * FROM api_keys").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	text := map[string][]string{}
	for _, row := range rows {
		for column, value := range row {
			switch v := value.(type) {
			case string:
				text[column] = append(text[column], v)
			case []byte:
				text[column] = append(text[column], string(v))
			}
		}
	}
	return text
}

// sharesAPiece reports a run of n characters of the key's random part that stored holds.
func sharesAPiece(stored, key string, n int) (string, bool) {
	random := strings.TrimPrefix(strings.TrimPrefix(key, "lumo_dev_"), "lumo_")
	for i := 0; i+n <= len(random); i++ {
		if piece := random[i : i+n]; strings.Contains(stored, piece) {
			return piece, true
		}
	}
	return "", false
}

func TestAPIKeys_NoPieceOfAKeyIsStored(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, first := testenv.Workspace(t, store, "acme")
		_, second, err := store.CreateAPIKey(ctx, ws.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		devKey := "a-dev-key-the-operator-chose-for-this-test"
		if _, err := store.EnsureDevWorkspace(ctx, "dev", devKey); err != nil {
			t.Fatal(err)
		}
		for column, values := range storedText(t, db) {
			for _, value := range values {
				for _, key := range []string{first, second, devKey} {
					if piece, ok := sharesAPiece(value, key, 6); ok {
						t.Errorf("api_keys.%s = %q holds %q of the key %q", column, value, piece, key)
					}
				}
			}
		}
	})
}

func TestAuthenticateAPIKey_RecordsWhenAKeyIsUsed(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		_, key := testenv.Workspace(t, store, "acme")
		lastUsed := func(id string) *time.Time {
			t.Helper()
			var row models.APIKey
			if err := db.Where("id = ?", id).Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			return row.LastUsedAt
		}
		before := time.Now().Add(-time.Second)
		got, err := store.AuthenticateAPIKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		first := lastUsed(got.ID)
		if first == nil || first.Before(before) || first.After(time.Now().Add(time.Second)) {
			t.Fatalf("lastUsedAt after a use = %v, want about now", first)
		}
		// Within the minute the record stands: a busy key costs no write per request.
		if _, err := store.AuthenticateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if again := lastUsed(got.ID); again == nil || !again.Equal(*first) {
			t.Fatalf("lastUsedAt moved within the minute: %v then %v", first, again)
		}
		// A use after the minute is recorded.
		old := first.Add(-2 * time.Minute)
		if err := db.Model(&models.APIKey{}).Where("id = ?", got.ID).Update("last_used_at", old).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := store.AuthenticateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if later := lastUsed(got.ID); later == nil || !later.After(old.Add(time.Minute)) {
			t.Fatalf("lastUsedAt after a use two minutes on = %v, want about now", later)
		}
	})
}

// The dev key follows LUMO_DEV_API_KEY: a new value revokes the old key, going back
// revives it, and the other keys of the dev workspace are left alone.
func TestEnsureDevWorkspace_ChangingTheKeyRevokesTheOldOne(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		const oldKey, newKey = "the-first-dev-key-0123456789abcdef", "the-second-dev-key-0123456789abcdef"
		ws, err := store.EnsureDevWorkspace(ctx, "dev", oldKey)
		if err != nil {
			t.Fatal(err)
		}
		_, madeByAPI, err := store.CreateAPIKey(ctx, ws.ID, "dev")
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			devKey     string
			live, dead []string
		}{
			{devKey: oldKey, live: []string{oldKey, madeByAPI}},
			{devKey: newKey, live: []string{newKey, madeByAPI}, dead: []string{oldKey}},
			{devKey: newKey, live: []string{newKey, madeByAPI}, dead: []string{oldKey}},
			{devKey: oldKey, live: []string{oldKey, madeByAPI}, dead: []string{newKey}},
			// Pointed at a key made through the API, that key becomes the dev key, and
			// the next value revokes it like any dev key.
			{devKey: madeByAPI, live: []string{madeByAPI}, dead: []string{oldKey, newKey}},
			{devKey: newKey, live: []string{newKey}, dead: []string{oldKey, madeByAPI}},
		}
		for i, step := range steps {
			again, err := store.EnsureDevWorkspace(ctx, "dev", step.devKey)
			if err != nil || again.ID != ws.ID {
				t.Fatalf("step %d: workspace %s, %v; want %s", i, again.ID, err, ws.ID)
			}
			for _, key := range step.live {
				if got, err := store.AuthenticateAPIKey(ctx, key); err != nil || got.WorkspaceID != ws.ID {
					t.Errorf("step %d: key %q is refused: %v", i, key, err)
				}
			}
			for _, key := range step.dead {
				if _, err := store.AuthenticateAPIKey(ctx, key); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("step %d: the replaced dev key %q still works (err %v)", i, key, err)
				}
			}
		}
	})
}

func TestEnsureDevWorkspace_KeepsOneWorkspaceAcrossRestarts(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		var ids []string
		for i := 0; i < 3; i++ {
			ws, err := store.EnsureDevWorkspace(ctx, "dev", fmt.Sprintf("dev-key-%d-0123456789abcdefghijklmnop", i%2))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ws.ID)
		}
		if ids[0] != ids[1] || ids[1] != ids[2] {
			t.Fatalf("restarts made more than one dev workspace: %v", ids)
		}
	})
}

func TestRevokeAPIKey_StopsTheKeyAtOnceButNeverTheLastLiveOne(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, first := testenv.Workspace(t, store, "acme")
		other, otherKey := testenv.Workspace(t, store, "other")
		firstKey, err := store.AuthenticateAPIKey(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		second, secondPlain, err := store.CreateAPIKey(ctx, ws.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		otherID, err := store.AuthenticateAPIKey(ctx, otherKey)
		if err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name        string
			workspaceID string
			keyID       string
			wantErr     error
		}{
			{"another workspace's key is not found", ws.ID, otherID.ID, models.ErrNotFound},
			{"a key of this workspace, by another workspace", other.ID, second.ID, models.ErrNotFound},
			{"an unknown key", ws.ID, models.NewID(), models.ErrNotFound},
			{"a live key while another is live", ws.ID, second.ID, nil},
			{"the same key again changes nothing", ws.ID, second.ID, nil},
			{"the last live key", ws.ID, firstKey.ID, models.ErrConflict},
		}
		var revokedAt *time.Time
		for _, step := range steps {
			got, err := store.RevokeAPIKey(ctx, step.workspaceID, step.keyID)
			if !errors.Is(err, step.wantErr) || (step.wantErr == nil && err != nil) {
				t.Fatalf("%s: err = %v, want %v", step.name, err, step.wantErr)
			}
			if err != nil {
				continue
			}
			if got.ID != step.keyID || got.RevokedAt == nil || got.KeyHash != "" {
				t.Fatalf("%s: revoked = %+v", step.name, got)
			}
			if revokedAt != nil && !got.RevokedAt.Equal(*revokedAt) {
				t.Fatalf("%s: revokedAt moved from %v to %v", step.name, revokedAt, got.RevokedAt)
			}
			revokedAt = got.RevokedAt
		}
		if _, err := store.AuthenticateAPIKey(ctx, secondPlain); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the revoked key still authenticates (err %v)", err)
		}
		for _, live := range []string{first, otherKey} {
			if _, err := store.AuthenticateAPIKey(ctx, live); err != nil {
				t.Errorf("a key that was not revoked is refused: %v", err)
			}
		}
	})
}

// Two revocations at once of a workspace's two live keys: one wins, the other finds
// itself the last and is refused, so the workspace keeps a key. (Rounds, because the
// two must meet inside their transactions for a missing lock to show.)
func TestRevokeAPIKey_ConcurrentRevocationsLeaveOneLiveKey(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		for round := range 20 {
			ws, first := testenv.Workspace(t, store, fmt.Sprintf("acme %d", round))
			firstKey, err := store.AuthenticateAPIKey(ctx, first)
			if err != nil {
				t.Fatal(err)
			}
			second, _, err := store.CreateAPIKey(ctx, ws.ID, "ci")
			if err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			errs := make(chan error, 2)
			for _, id := range []string{firstKey.ID, second.ID} {
				go func() {
					<-start
					_, err := store.RevokeAPIKey(ctx, ws.ID, id)
					errs <- err
				}()
			}
			close(start)
			var revoked, refused int
			for range 2 {
				switch err := <-errs; {
				case err == nil:
					revoked++
				case errors.Is(err, models.ErrConflict):
					refused++
				default:
					t.Fatal(err)
				}
			}
			var live int64
			db.Model(&models.APIKey{}).Where("workspace_id = ? AND revoked_at IS NULL", ws.ID).Count(&live)
			if revoked != 1 || refused != 1 || live != 1 {
				t.Fatalf("round %d: %d revoked, %d refused, %d live keys left; want 1, 1, 1", round, revoked, refused, live)
			}
		}
	})
}

func TestListAPIKeys_NewestFirstInPagesWithoutHashes(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		testenv.Workspace(t, store, "other")
		want := []string{"ci", "zapier", "backup"}
		for _, name := range want {
			if _, _, err := store.CreateAPIKey(ctx, ws.ID, name); err != nil {
				t.Fatal(err)
			}
		}
		want = append([]string{"backup", "zapier", "ci"}, "default")
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			keys, next, err := store.ListAPIKeys(ctx, ws.ID, models.Page{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if k.KeyHash != "" || k.WorkspaceID != ws.ID {
					t.Fatalf("listed %+v", k)
				}
				got = append(got, k.Name)
			}
			if next == "" {
				break
			}
			if pages > 2 {
				t.Fatal("the pages do not end")
			}
			cursor = next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("keys = %v, want %v", got, want)
		}
	})
}
