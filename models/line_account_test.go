package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

var sampleAccount = models.LineAccountInput{
	Name:               "Cafe Lumo",
	ChannelID:          "1650000000",
	ChannelSecret:      "8c4b0b5d2f0e4a6b9c1d3e5f7a9b1c3d",
	ChannelAccessToken: "token-abc/def+ghi=",
}

func TestLineAccount_CredentialsAreSealedAtRestAndOpenBack(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")

		account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		var secret, token string
		row := db.Raw("SELECT channel_secret_sealed, channel_access_token_sealed FROM line_accounts WHERE id = ?", account.ID).Row()
		if err := row.Scan(&secret, &token); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(secret, sampleAccount.ChannelSecret) || strings.Contains(token, sampleAccount.ChannelAccessToken) {
			t.Fatalf("secrets stored in clear: %q %q", secret, token)
		}
		creds, err := store.LineAccountCredentials(ctx, ws.ID, account.ID)
		if err != nil {
			t.Fatal(err)
		}
		if creds.ChannelSecret != sampleAccount.ChannelSecret || creds.ChannelAccessToken != sampleAccount.ChannelAccessToken {
			t.Fatalf("credentials = %+v", creds)
		}
	})
}

func TestLineAccount_OtherWorkspaceSeesNothing(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		owner, _ := testenv.Workspace(t, store, "owner")
		other, _ := testenv.Workspace(t, store, "other")
		account, err := store.CreateLineAccount(ctx, owner.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}

		if _, err := store.GetLineAccount(ctx, other.ID, account.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Get from other workspace: err = %v, want ErrNotFound", err)
		}
		if _, err := store.LineAccountCredentials(ctx, other.ID, account.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Credentials from other workspace: err = %v, want ErrNotFound", err)
		}
		if _, err := store.UpdateLineAccount(ctx, other.ID, account.ID, models.LineAccountInput{Name: "x"}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Update from other workspace: err = %v, want ErrNotFound", err)
		}
		if err := store.DeleteLineAccount(ctx, other.ID, account.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Delete from other workspace: err = %v, want ErrNotFound", err)
		}
		list, _, err := store.ListLineAccounts(ctx, other.ID, models.Page{})
		if err != nil || len(list) != 0 {
			t.Errorf("List from other workspace = %v, %v; want empty", list, err)
		}
		if _, err := store.GetLineAccount(ctx, owner.ID, account.ID); err != nil {
			t.Errorf("owner lost its account: %v", err)
		}
	})
}

func TestLineAccount_DuplicateChannelIsAConflictPerWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		other, _ := testenv.Workspace(t, store, "other")
		if _, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount); err != nil {
			t.Fatal(err)
		}
		_, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second create: err = %v, want ErrConflict", err)
		}
		if _, err := store.CreateLineAccount(ctx, other.ID, sampleAccount); err != nil {
			t.Fatalf("same channel in another workspace: %v", err)
		}
	})
}

func TestLineAccount_UpdateRotatesTokenAndKeepsSecret(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		updated, err := store.UpdateLineAccount(ctx, ws.ID, account.ID, models.LineAccountInput{ChannelAccessToken: "new-token"})
		if err != nil {
			t.Fatal(err)
		}
		if updated.Name != sampleAccount.Name {
			t.Errorf("name changed to %q", updated.Name)
		}
		creds, err := store.LineAccountCredentials(ctx, ws.ID, account.ID)
		if err != nil {
			t.Fatal(err)
		}
		if creds.ChannelAccessToken != "new-token" || creds.ChannelSecret != sampleAccount.ChannelSecret {
			t.Fatalf("credentials after rotation = %+v", creds)
		}
		if err := store.DeleteLineAccount(ctx, ws.ID, account.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetLineAccount(ctx, ws.ID, account.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestListLineAccounts_PagesNewestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		var created []string
		for i := 0; i < 5; i++ {
			in := sampleAccount
			in.ChannelID = strings.Repeat("1", i+1)
			account, err := store.CreateLineAccount(ctx, ws.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			created = append(created, account.ID)
		}

		var seen []string
		page := models.Page{Limit: 2}
		for calls := 0; ; calls++ {
			if calls > 5 {
				t.Fatal("pagination does not end")
			}
			rows, next, err := store.ListLineAccounts(ctx, ws.ID, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				seen = append(seen, r.ID)
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
		want := []string{created[4], created[3], created[2], created[1], created[0]}
		if strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Fatalf("pages = %v, want %v", seen, want)
		}
	})
}

func TestListLineAccounts_RejectsBadPage(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, _ := testenv.Workspace(t, store, "acme")
		cases := []struct {
			name string
			page models.Page
			want error
		}{
			{"cursor not base64", models.Page{Cursor: "%%%"}, models.ErrBadCursor},
			{"negative limit", models.Page{Limit: -1}, models.ErrBadLimit},
			{"limit too large", models.Page{Limit: models.MaxPageLimit + 1}, models.ErrBadLimit},
		}
		for _, tc := range cases {
			if _, _, err := store.ListLineAccounts(ctx, ws.ID, tc.page); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}
