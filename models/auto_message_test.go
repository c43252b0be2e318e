package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

const greeting = `[{"type":"text","text":"Hello {{friend.displayName}}"}]`

func autoMessage(name string) models.AutoMessageInput {
	return models.AutoMessageInput{Name: name, Messages: []byte(greeting)}
}

func TestAutoMessage_CreateGetUpdateDelete(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}

		in := autoMessage("Welcome")
		in.LineAccountID = &account.ID
		created, err := store.CreateAutoMessage(ctx, ws.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.GetAutoMessage(ctx, ws.ID, created.ID)
		if err != nil || got.Name != "Welcome" || got.LineAccountID == nil || *got.LineAccountID != account.ID {
			t.Fatalf("get = %+v, %v", got, err)
		}
		var messages []map[string]string
		if err := json.Unmarshal(got.Messages, &messages); err != nil || messages[0]["text"] != "Hello {{friend.displayName}}" {
			t.Fatalf("messages = %s, %v", got.Messages, err)
		}

		time.Sleep(5 * time.Millisecond)
		changed, err := store.UpdateAutoMessage(ctx, ws.ID, created.ID, models.AutoMessageInput{
			Name: "Welcome back", Messages: []byte(`[{"type":"text","text":"Again"}]`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if changed.Name != "Welcome back" || changed.LineAccountID != nil || !changed.UpdatedAt.After(created.UpdatedAt) ||
			!changed.CreatedAt.Equal(got.CreatedAt) {
			t.Fatalf("after update = %+v (created %+v)", changed, got)
		}

		if err := store.DeleteAutoMessage(ctx, ws.ID, created.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetAutoMessage(ctx, ws.ID, created.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
		if err := store.DeleteAutoMessage(ctx, ws.ID, created.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if _, err := store.UpdateAutoMessage(ctx, ws.ID, created.ID, autoMessage("x")); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("update after delete: %v", err)
		}
	})
}

func TestAutoMessage_NamesAreUniqueInAWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		first, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage("Promo"))
		if err != nil {
			t.Fatal(err)
		}
		second, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage("Promo 2"))
		if err != nil {
			t.Fatal(err)
		}
		var conflict *models.ConflictError
		if _, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage("Promo")); !errors.As(err, &conflict) || conflict.Field != "name" {
			t.Fatalf("duplicate create: %v", err)
		}
		if _, err := store.UpdateAutoMessage(ctx, ws.ID, second.ID, autoMessage("Promo")); !errors.As(err, &conflict) || conflict.Field != "name" {
			t.Fatalf("rename onto another's name: %v", err)
		}
		// Keeping one's own name, and another workspace using it, are fine.
		if _, err := store.UpdateAutoMessage(ctx, ws.ID, first.ID, autoMessage("Promo")); err != nil {
			t.Fatalf("update keeping the name: %v", err)
		}
		if _, err := store.CreateAutoMessage(ctx, other.ID, autoMessage("Promo")); err != nil {
			t.Fatalf("same name in another workspace: %v", err)
		}
	})
}

func TestAutoMessage_LineAccountMustBeTheWorkspaces(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		theirs, err := store.CreateLineAccount(ctx, other.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		in := autoMessage("Promo")
		in.LineAccountID = &theirs.ID
		var invalid *models.FieldError
		if _, err := store.CreateAutoMessage(ctx, ws.ID, in); !errors.As(err, &invalid) || invalid.Field != "lineAccountId" {
			t.Fatalf("create with another workspace's account: %v", err)
		}
		m, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage("Promo"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.UpdateAutoMessage(ctx, ws.ID, m.ID, in); !errors.As(err, &invalid) {
			t.Fatalf("update with another workspace's account: %v", err)
		}
	})
}

func TestAutoMessage_OtherWorkspaceSeesNothing(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		m, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage("Promo"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetAutoMessage(ctx, other.ID, m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("get: %v", err)
		}
		if _, err := store.UpdateAutoMessage(ctx, other.ID, m.ID, autoMessage("Mine")); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("update: %v", err)
		}
		if err := store.DeleteAutoMessage(ctx, other.ID, m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete: %v", err)
		}
		if list, _, err := store.ListAutoMessages(ctx, other.ID, models.Page{}); err != nil || len(list) != 0 {
			t.Errorf("list = %v, %v", list, err)
		}
		if found, err := store.ExistingObjects(ctx, other.ID, models.ObjectAutoMessage, []string{m.ID}); err != nil || len(found) != 0 {
			t.Errorf("exists = %v, %v", found, err)
		}
	})
}

func TestAutoMessage_ListsNewestFirstInPages(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		for _, name := range []string{"a", "b", "c"} {
			if _, err := store.CreateAutoMessage(ctx, ws.ID, autoMessage(name)); err != nil {
				t.Fatal(err)
			}
		}
		page, next, err := store.ListAutoMessages(ctx, ws.ID, models.Page{Limit: 2})
		if err != nil || len(page) != 2 || page[0].Name != "c" || page[1].Name != "b" || next == "" {
			t.Fatalf("first page = %v, %q, %v", page, next, err)
		}
		rest, next, err := store.ListAutoMessages(ctx, ws.ID, models.Page{Limit: 2, Cursor: next})
		if err != nil || len(rest) != 1 || rest[0].Name != "a" || next != "" {
			t.Fatalf("second page = %v, %q, %v", rest, next, err)
		}
	})
}

func TestLiveDefinitions_AreTheActiveVersionsOfActiveAndPausedWorkflows(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		active := f.inStatus(t, "Active", models.WorkflowActive)
		paused := f.inStatus(t, "Paused", models.WorkflowPaused)
		f.inStatus(t, "Stopped", models.WorkflowStopped)
		f.inStatus(t, "Draft", models.WorkflowDraft)

		live, err := f.store.LiveDefinitions(f.ctx, f.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) != 2 || live[0].WorkflowID != active.ID || live[1].WorkflowID != paused.ID {
			t.Fatalf("live = %+v", live)
		}
		if live[0].Name != "Active" || live[1].Status != models.WorkflowPaused || !json.Valid(live[0].Definition) {
			t.Fatalf("live = %+v", live)
		}
		var doc struct{ Tag string }
		if err := json.Unmarshal(live[0].Definition, &doc); err != nil || doc.Tag != "Active" {
			t.Fatalf("definition = %s, %v", live[0].Definition, err)
		}
		other, _ := testenv.Workspace(t, f.store, "other")
		if none, err := f.store.LiveDefinitions(f.ctx, other.ID); err != nil || len(none) != 0 {
			t.Fatalf("other workspace = %v, %v", none, err)
		}
	})
}
