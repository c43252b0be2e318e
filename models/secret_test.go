package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestSecret_IsSealedAtRestAndOpensBack(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")

		secret, created, err := store.PutSecret(ctx, ws.ID, "signing", "whsec-very-secret")
		if err != nil || !created {
			t.Fatalf("put = %+v, created %v, %v", secret, created, err)
		}
		if secret.Name != "signing" || secret.ValueSealed != "" || secret.CreatedAt.IsZero() {
			t.Fatalf("secret = %+v", secret)
		}
		var sealed string
		if err := db.Raw("SELECT value_sealed FROM secrets WHERE id = ?", secret.ID).Row().Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || strings.Contains(sealed, "whsec-very-secret") {
			t.Fatalf("stored in clear: %q", sealed)
		}
		value, err := store.OpenSecret(ctx, ws.ID, "signing")
		if err != nil || value != "whsec-very-secret" {
			t.Fatalf("open = %q, %v", value, err)
		}
	})
}

func TestSecret_PutReplacesTheValueAndKeepsCreatedAt(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		first, _, err := store.PutSecret(ctx, ws.ID, "hook", "one")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		second, created, err := store.PutSecret(ctx, ws.ID, "hook", "two")
		if err != nil || created {
			t.Fatalf("second put: created %v, %v", created, err)
		}
		if second.ID != first.ID || !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.After(first.UpdatedAt) {
			t.Fatalf("first %+v, second %+v", first, second)
		}
		if value, _ := store.OpenSecret(ctx, ws.ID, "hook"); value != "two" {
			t.Fatalf("value = %q, want two", value)
		}
	})
}

func TestSecret_ListDeleteAndOtherWorkspaces(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		for _, name := range []string{"a", "b", "c"} {
			if _, _, err := store.PutSecret(ctx, ws.ID, name, "value-"+name); err != nil {
				t.Fatal(err)
			}
		}
		// The same name in another workspace is another secret.
		if _, created, err := store.PutSecret(ctx, other.ID, "a", "theirs"); err != nil || !created {
			t.Fatalf("other workspace's a: created %v, %v", created, err)
		}

		page, next, err := store.ListSecretNames(ctx, ws.ID, models.Page{Limit: 2})
		if err != nil || len(page) != 2 || next == "" || page[0].Name != "c" || page[1].Name != "b" {
			t.Fatalf("first page = %+v, %q, %v", page, next, err)
		}
		if page[0].ValueSealed != "" {
			t.Fatalf("list read the sealed value: %+v", page[0])
		}
		rest, next, err := store.ListSecretNames(ctx, ws.ID, models.Page{Limit: 2, Cursor: next})
		if err != nil || len(rest) != 1 || rest[0].Name != "a" || next != "" {
			t.Fatalf("second page = %+v, %q, %v", rest, next, err)
		}

		if value, _ := store.OpenSecret(ctx, ws.ID, "a"); value != "value-a" {
			t.Fatalf("a = %q", value)
		}
		if err := store.DeleteSecret(ctx, other.ID, "b"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("delete another workspace's b: %v", err)
		}
		if _, err := store.OpenSecret(ctx, other.ID, "b"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("open another workspace's b: %v", err)
		}
		if err := store.DeleteSecret(ctx, ws.ID, "b"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.OpenSecret(ctx, ws.ID, "b"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("open a deleted secret: %v", err)
		}
		if err := store.DeleteSecret(ctx, ws.ID, "b"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if value, _ := store.OpenSecret(ctx, other.ID, "a"); value != "theirs" {
			t.Fatalf("other workspace's a = %q", value)
		}
	})
}

func TestSecret_ValueMovedToAnotherNameDoesNotOpen(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		a, _, _ := store.PutSecret(ctx, ws.ID, "a", "value-a")
		b, _, _ := store.PutSecret(ctx, ws.ID, "b", "value-b")
		if err := db.Exec("UPDATE secrets SET value_sealed = (SELECT value_sealed FROM secrets WHERE id = ?) WHERE id = ?", a.ID, b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if value, err := store.OpenSecret(ctx, ws.ID, "b"); err == nil {
			t.Fatalf("a's sealed value opened as b: %q", value)
		}
	})
}

func TestSecret_ExistingObjectsFindsSecretsByName(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		if _, _, err := store.PutSecret(ctx, ws.ID, "signing", "x"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.PutSecret(ctx, other.ID, "hook", "x"); err != nil {
			t.Fatal(err)
		}
		found, err := store.ExistingObjects(ctx, ws.ID, models.ObjectSecret, []string{"signing", "hook", "nope"})
		if err != nil || len(found) != 1 || !found["signing"] {
			t.Fatalf("found = %v, %v", found, err)
		}
	})
}
