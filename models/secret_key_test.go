package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// storeWith is a Store over db whose box seals with keys[0] and opens with them all.
func storeWith(t *testing.T, db *database.DB, keys ...[]byte) *models.Store {
	t.Helper()
	box, err := secrets.NewBox(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db.DB, box)
}

// sealedValues reads every sealed column of the database, keyed "table.column/id".
func sealedValues(t *testing.T, db *database.DB) map[string]string {
	t.Helper()
	values := map[string]string{}
	for _, q := range []struct{ table, column string }{
		{"line_accounts", "channel_secret_sealed"},
		{"line_accounts", "channel_access_token_sealed"},
		{"secrets", "value_sealed"},
	} {
		rows, err := db.Raw(fmt.Sprintf("SELECT id, %s FROM %s", q.column, q.table)).Rows()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, sealed string
			if err := rows.Scan(&id, &sealed); err != nil {
				t.Fatal(err)
			}
			values[q.table+"."+q.column+"/"+id] = sealed
		}
		rows.Close()
	}
	return values
}

// rotationFixture fills db, under oldKey, with what rotation must move: LINE accounts
// (secret and token), workspace secrets, and one account whose secret is still in the
// v1 format. It returns the plaintexts to check against.
type rotationFixture struct {
	workspaceID string
	accounts    map[string]models.LineAccountInput // by account ID
	secrets     map[string]string                  // name → value
}

func newRotationFixture(t *testing.T, db *database.DB, oldKey []byte) rotationFixture {
	t.Helper()
	ctx := context.Background()
	store := storeWith(t, db, oldKey)
	if err := store.EnsureSecretKey(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _ := testenv.Workspace(t, store, "acme")
	f := rotationFixture{workspaceID: ws.ID, accounts: map[string]models.LineAccountInput{}, secrets: map[string]string{}}
	for i := range 3 {
		in := models.LineAccountInput{
			Name:               fmt.Sprintf("Cafe %d", i),
			ChannelID:          fmt.Sprintf("165000000%d", i),
			ChannelSecret:      fmt.Sprintf("secret-%d", i),
			ChannelAccessToken: fmt.Sprintf("token-%d", i),
		}
		account, err := store.CreateLineAccount(ctx, ws.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		f.accounts[account.ID] = in
		name, value := fmt.Sprintf("hook-%d", i), fmt.Sprintf("whsec-%d", i)
		if _, _, err := store.PutSecret(ctx, ws.ID, name, value); err != nil {
			t.Fatal(err)
		}
		f.secrets[name] = value
	}
	// One value as the first format wrote it: the payload of a v2 value, under "v1.".
	var id, sealed string
	if err := db.Raw("SELECT id, channel_secret_sealed FROM line_accounts ORDER BY id LIMIT 1").Row().Scan(&id, &sealed); err != nil {
		t.Fatal(err)
	}
	v1 := "v1." + sealed[strings.LastIndex(sealed, ".")+1:]
	if err := db.Exec("UPDATE line_accounts SET channel_secret_sealed = ? WHERE id = ?", v1, id).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

// check opens every value through store and compares it with what was sealed.
func (f rotationFixture) check(t *testing.T, store *models.Store) {
	t.Helper()
	ctx := context.Background()
	for id, in := range f.accounts {
		creds, err := store.LineAccountCredentials(ctx, f.workspaceID, id)
		if err != nil || creds.ChannelSecret != in.ChannelSecret || creds.ChannelAccessToken != in.ChannelAccessToken {
			t.Fatalf("account %s: credentials %+v, %v; want %s, %s", id, creds, err, in.ChannelSecret, in.ChannelAccessToken)
		}
	}
	for name, want := range f.secrets {
		if got, err := store.OpenSecret(ctx, f.workspaceID, name); err != nil || got != want {
			t.Fatalf("secret %s = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestRotateSecretKeys_ResealsEveryValueAndTheOldKeyCanBeDropped(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		oldKey, newKey := newKey(t), newKey(t)
		f := newRotationFixture(t, db, oldKey)

		// Step 1: the new key in front of the old one.
		both := storeWith(t, db, newKey, oldKey)
		if err := both.EnsureSecretKey(ctx); err != nil {
			t.Fatal(err)
		}
		f.check(t, both)

		// Step 2: rotate, in batches smaller than a table.
		var batches int
		report, err := both.RotateSecretKeys(ctx, models.RotateOptions{BatchSize: 2, Progress: func(models.RotationProgress) { batches++ }})
		if err != nil {
			t.Fatal(err)
		}
		if report.Resealed != 9 || report.AlreadyCurrent != 0 || len(report.Columns) != 3 {
			t.Fatalf("report = %+v, want 9 values re-sealed in 3 columns", report)
		}
		if batches < 5 {
			t.Errorf("%d batches of at most 2 for 9 values in 3 columns", batches)
		}
		if len(report.RetiredKeys) != 1 || report.RetiredKeys[0] != secrets.KeyID(oldKey) {
			t.Errorf("retired keys = %v, want [%s]", report.RetiredKeys, secrets.KeyID(oldKey))
		}
		for place, sealed := range sealedValues(t, db) {
			if !strings.HasPrefix(sealed, "v2."+secrets.KeyID(newKey)+".") {
				t.Errorf("%s is %q, not under the new key", place, sealed)
			}
		}

		// Run again: nothing left to do.
		again, err := both.RotateSecretKeys(ctx, models.RotateOptions{BatchSize: 2})
		if err != nil || again.Resealed != 0 || again.AlreadyCurrent != 9 {
			t.Fatalf("second rotation = %+v, %v; want 9 already current", again, err)
		}

		// Step 3: drop the old key.
		newOnly := storeWith(t, db, newKey)
		if err := newOnly.EnsureSecretKey(ctx); err != nil {
			t.Fatalf("the new key alone after rotation: %v", err)
		}
		f.check(t, newOnly)

		// And the old key alone is now the wrong key.
		if err := storeWith(t, db, oldKey).CheckSecretKey(ctx); !errors.Is(err, models.ErrWrongSecretKey) {
			t.Fatalf("old key alone after rotation: err = %v, want ErrWrongSecretKey", err)
		}
	})
}

func TestRotateSecretKeys_AnInterruptedRotationKeepsTheOldKeyNeededAndFinishesOnTheNextRun(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		oldKey, newKey := newKey(t), newKey(t)
		f := newRotationFixture(t, db, oldKey)
		both := storeWith(t, db, newKey, oldKey)

		ctx, interrupt := context.WithCancel(context.Background())
		_, err := both.RotateSecretKeys(ctx, models.RotateOptions{BatchSize: 2, Progress: func(models.RotationProgress) { interrupt() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted rotation: err = %v, want context.Canceled", err)
		}
		f.check(t, both)
		// Values under the old key remain: dropping it now must be caught.
		if err := storeWith(t, db, newKey).CheckSecretKey(context.Background()); !errors.Is(err, models.ErrWrongSecretKey) {
			t.Fatalf("new key alone after an interrupted rotation: err = %v, want ErrWrongSecretKey", err)
		}

		report, err := both.RotateSecretKeys(context.Background(), models.RotateOptions{BatchSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if report.Resealed == 0 || report.AlreadyCurrent == 0 || report.Resealed+report.AlreadyCurrent != 9 {
			t.Fatalf("resumed rotation = %+v, want the rest of the 9 values re-sealed", report)
		}
		newOnly := storeWith(t, db, newKey)
		if err := newOnly.CheckSecretKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.check(t, newOnly)
	})
}

func TestRotateSecretKeys_RefusesWithoutTheKeyThatSealedTheDatabase(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		oldKey := newKey(t)
		newRotationFixture(t, db, oldKey)
		before := sealedValues(t, db)
		_, err := storeWith(t, db, newKey(t)).RotateSecretKeys(ctx, models.RotateOptions{})
		if !errors.Is(err, models.ErrWrongSecretKey) || !strings.Contains(err.Error(), secrets.KeyID(oldKey)) {
			t.Fatalf("err = %v, want ErrWrongSecretKey naming key %s", err, secrets.KeyID(oldKey))
		}
		after := sealedValues(t, db)
		for place, sealed := range before {
			if after[place] != sealed {
				t.Errorf("%s changed by a refused rotation", place)
			}
		}
	})
}

func TestCheckSecretKey(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		right, wrong := newKey(t), newKey(t)
		newRotationFixture(t, db, right) // seals values and writes right's canary

		cases := []struct {
			name  string
			keys  [][]byte
			setup func(t *testing.T)
			want  string // "" for ok; else text the ErrWrongSecretKey error must carry
		}{
			{name: "the key that sealed", keys: [][]byte{right}},
			{name: "a new key in front of it", keys: [][]byte{wrong, right}},
			{name: "another key", keys: [][]byte{wrong}, want: secrets.KeyID(right)},
			{name: "a canary altered", keys: [][]byte{right}, want: "does not open", setup: func(t *testing.T) {
				alter(t, db, "UPDATE secret_key_canaries SET sealed = ? WHERE key_id = ?", "v2."+secrets.KeyID(right)+".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", secrets.KeyID(right))
			}},
			// A database sealed before canaries existed: its values are tried instead.
			{name: "no canary yet, another key", keys: [][]byte{wrong}, want: "line_accounts", setup: func(t *testing.T) {
				alter(t, db, "DELETE FROM secret_key_canaries")
			}},
			{name: "no canary yet, the key that sealed", keys: [][]byte{right}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.setup != nil {
					tc.setup(t)
				}
				err := storeWith(t, db, tc.keys...).CheckSecretKey(ctx)
				if tc.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if !errors.Is(err, models.ErrWrongSecretKey) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want ErrWrongSecretKey saying %q", err, tc.want)
				}
			})
		}
	})
}

func TestEnsureSecretKey_WritesTheCanaryOnlyWhenTheKeyIsRight(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		right, wrong := newKey(t), newKey(t)
		// A new database: the first key used writes its canary.
		if err := storeWith(t, db, right).EnsureSecretKey(ctx); err != nil {
			t.Fatal(err)
		}
		if err := storeWith(t, db, right).EnsureSecretKey(ctx); err != nil {
			t.Fatalf("second start: %v", err)
		}
		if err := storeWith(t, db, wrong).EnsureSecretKey(ctx); !errors.Is(err, models.ErrWrongSecretKey) {
			t.Fatalf("wrong key: err = %v, want ErrWrongSecretKey", err)
		}
		// The wrong key left no canary: the right key still starts.
		if err := storeWith(t, db, right).CheckSecretKey(ctx); err != nil {
			t.Fatalf("the right key after a start with the wrong one: %v", err)
		}
	})
}

func alter(t *testing.T, db *database.DB, sql string, args ...any) {
	t.Helper()
	if err := db.Exec(sql, args...).Error; err != nil {
		t.Fatal(err)
	}
}
