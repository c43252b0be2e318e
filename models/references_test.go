package models_test

import (
	"context"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestExistingObjects_FindsOnlyTheWorkspacesOwn(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		mine, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := store.CreateLineAccount(ctx, other.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		tag := models.Tag{ID: models.NewID(), WorkspaceID: ws.ID, Name: "vip"}
		if err := db.Create(&tag).Error; err != nil {
			t.Fatal(err)
		}

		accounts, err := store.ExistingObjects(ctx, ws.ID, models.ObjectLineAccount, []string{mine.ID, theirs.ID, "nope"})
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 1 || !accounts[mine.ID] {
			t.Fatalf("accounts = %v, want only %s", accounts, mine.ID)
		}
		tags, err := store.ExistingObjects(ctx, ws.ID, models.ObjectTag, []string{"vip", "VIP", "new"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags) != 1 || !tags["vip"] {
			t.Fatalf("tags = %v, want only vip", tags)
		}
		if none, err := store.ExistingObjects(ctx, ws.ID, models.ObjectSegment, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids = %v, %v", none, err)
		}
		if _, err := store.ExistingObjects(ctx, ws.ID, "planet", []string{"x"}); err == nil {
			t.Fatal("an unknown kind was accepted")
		}
	})
}

func TestEnsureTags_CreatesMissingOnceAndKeepsExisting(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		for range 2 {
			if err := store.EnsureTags(ctx, ws.ID, []string{"vip", "coffee"}); err != nil {
				t.Fatal(err)
			}
		}
		var count int64
		db.Model(&models.Tag{}).Where("workspace_id = ?", ws.ID).Count(&count)
		if count != 2 {
			t.Fatalf("%d tags, want 2", count)
		}
	})
}

// A draft may name anything, NUL included, which PostgreSQL refuses even as a query
// parameter: such a name is simply not found.
func TestExistingObjects_ANameWithNULIsNotFoundRatherThanAnError(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		if err := store.EnsureTags(ctx, ws.ID, []string{"vip"}); err != nil {
			t.Fatal(err)
		}
		for _, ids := range [][]string{{"vip\x00"}, {"vip", "v\x00ip"}} {
			tags, err := store.ExistingObjects(ctx, ws.ID, models.ObjectTag, ids)
			if err != nil {
				t.Fatalf("%q: %v", ids, err)
			}
			if len(tags) != len(ids)-1 {
				t.Fatalf("%q: found %v", ids, tags)
			}
		}
	})
}
