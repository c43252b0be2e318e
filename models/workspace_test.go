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

func TestCreateWorkspace_KeyAuthenticatesAndIsStoredHashed(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, key := testenv.Workspace(t, store, "acme")
		if !strings.HasPrefix(key, "lumo_") || len(key) < 40 {
			t.Fatalf("key %q does not look generated", key)
		}
		got, err := store.AuthenticateAPIKey(ctx, key)
		if err != nil || got.WorkspaceID != ws.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		var stored int64
		db.Raw("SELECT count(*) FROM api_keys WHERE key_hash = ?", key).Scan(&stored)
		if stored != 0 {
			t.Fatal("the plaintext key is stored")
		}
		for _, wrong := range []string{"", key + "x", strings.ToUpper(key)} {
			if _, err := store.AuthenticateAPIKey(ctx, wrong); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("Authenticate(%q) err = %v, want ErrNotFound", wrong, err)
			}
		}
	})
}

func TestEnsureDevWorkspace_RefusesAKeyOfAnotherWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		if _, err := store.EnsureDevWorkspace(ctx, "dev", "shared-key"); err != nil {
			t.Fatal(err)
		}
		_, err := store.EnsureDevWorkspace(ctx, "another", "shared-key")
		if !errors.Is(err, models.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
	})
}

func TestFriend_FieldsRoundTripAsJSON(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		followed := time.Now().UTC().Truncate(time.Second)
		friend := models.Friend{
			ID: models.NewID(), WorkspaceID: ws.ID, LineAccountID: account.ID,
			LineUserID: "U4af4980629", DisplayName: "Mina", FollowedAt: &followed,
			Fields: map[string]any{"drink": "Coffee", "age": 31.0},
		}
		if err := db.WithContext(ctx).Create(&friend).Error; err != nil {
			t.Fatal(err)
		}
		var got models.Friend
		if err := db.WithContext(ctx).Where("id = ?", friend.ID).Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.Fields["drink"] != "Coffee" || got.Fields["age"] != 31.0 {
			t.Fatalf("fields = %#v", got.Fields)
		}
		if got.FollowedAt == nil || !got.FollowedAt.Equal(followed) {
			t.Fatalf("followedAt = %v, want %v", got.FollowedAt, followed)
		}
		dup := friend
		dup.ID = models.NewID()
		if err := db.WithContext(ctx).Create(&dup).Error; err == nil {
			t.Fatal("a second friend row for the same LINE user was accepted")
		}
	})
}

func TestPruneWebhookEvents_DeletesOnlyOldRecordsInBatches(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for i := 0; i < 7; i++ {
			received := now.Add(-48 * time.Hour)
			if i >= 5 {
				received = now // two fresh ones
			}
			event := models.WebhookEvent{LineAccountID: account.ID, EventID: models.NewID(), WorkspaceID: ws.ID, ReceivedAt: received}
			if err := db.WithContext(ctx).Create(&event).Error; err != nil {
				t.Fatal(err)
			}
		}
		cutoff := now.Add(-24 * time.Hour)
		first, err := store.PruneWebhookEvents(ctx, cutoff, 3)
		if err != nil || first != 3 {
			t.Fatalf("first batch = %d, %v; want 3", first, err)
		}
		second, err := store.PruneWebhookEvents(ctx, cutoff, 3)
		if err != nil || second != 2 {
			t.Fatalf("second batch = %d, %v; want 2", second, err)
		}
		var left int64
		db.Model(&models.WebhookEvent{}).Count(&left)
		if left != 2 {
			t.Fatalf("%d records left, want the 2 fresh ones", left)
		}
	})
}
