package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// friendFixture is a workspace with one LINE account, and a second workspace to check
// that nothing leaks across.
type friendFixture struct {
	ctx     context.Context
	db      *database.DB
	store   *models.Store
	ws      models.Workspace
	account models.LineAccount
	other   models.Workspace
}

func newFriendFixture(t *testing.T, db *database.DB) friendFixture {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, db)
	ws, _ := testenv.Workspace(t, store, "acme")
	other, _ := testenv.Workspace(t, store, "globex")
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "Acme shop", ChannelID: "1650000000", ChannelSecret: "secret", ChannelAccessToken: "token",
	})
	if err != nil {
		t.Fatal(err)
	}
	return friendFixture{ctx: ctx, db: db, store: store, ws: ws, account: account, other: other}
}

func (f friendFixture) friend(t *testing.T, lineUserID string) models.Friend {
	t.Helper()
	friend, err := f.store.UpsertFriend(f.ctx, f.ws.ID, f.account.ID, lineUserID, models.FriendProfile{DisplayName: "Friend " + lineUserID})
	if err != nil {
		t.Fatal(err)
	}
	return friend
}

func (f friendFixture) tags(t *testing.T, friendID string) []string {
	t.Helper()
	tags, err := f.store.FriendTags(f.ctx, f.ws.ID, friendID)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

func TestUpsertFriend_SamePairIsOneFriendAndKnownProfileIsKept(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		steps := []struct {
			name    string
			profile models.FriendProfile
			want    models.FriendProfile
		}{
			{"first sight", models.FriendProfile{DisplayName: "Mina", PictureURL: "https://p/1", Language: "ja"},
				models.FriendProfile{DisplayName: "Mina", PictureURL: "https://p/1", Language: "ja"}},
			{"same again", models.FriendProfile{DisplayName: "Mina", PictureURL: "https://p/1", Language: "ja"},
				models.FriendProfile{DisplayName: "Mina", PictureURL: "https://p/1", Language: "ja"}},
			{"new name", models.FriendProfile{DisplayName: "Mina K", StatusMessage: "hi"},
				models.FriendProfile{DisplayName: "Mina K", PictureURL: "https://p/1", StatusMessage: "hi", Language: "ja"}},
			{"empty profile keeps all", models.FriendProfile{},
				models.FriendProfile{DisplayName: "Mina K", PictureURL: "https://p/1", StatusMessage: "hi", Language: "ja"}},
		}
		var id string
		for _, step := range steps {
			friend, err := f.store.UpsertFriend(f.ctx, f.ws.ID, f.account.ID, "U123", step.profile)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if id == "" {
				id = friend.ID
			}
			got := models.FriendProfile{DisplayName: friend.DisplayName, PictureURL: friend.PictureURL, StatusMessage: friend.StatusMessage, Language: friend.Language}
			if friend.ID != id || got != step.want || friend.WorkspaceID != f.ws.ID || friend.Fields == nil {
				t.Errorf("%s: friend %s %+v (fields %v), want %s %+v", step.name, friend.ID, got, friend.Fields, id, step.want)
			}
		}
		var rows int64
		f.db.Model(&models.Friend{}).Count(&rows)
		if rows != 1 {
			t.Errorf("%d friend rows, want 1", rows)
		}
		byUser, err := f.store.FriendByLineUser(f.ctx, f.ws.ID, f.account.ID, "U123")
		if err != nil || byUser.ID != id {
			t.Errorf("FriendByLineUser = %s, %v; want %s", byUser.ID, err, id)
		}
	})
}

func TestFriends_OfAnotherWorkspaceAreNotFound(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		ws := f.other.ID
		checks := map[string]error{}
		_, checks["UpsertFriend"] = f.store.UpsertFriend(f.ctx, ws, f.account.ID, "U2", models.FriendProfile{})
		_, checks["GetFriend"] = f.store.GetFriend(f.ctx, ws, friend.ID)
		_, checks["FriendByLineUser"] = f.store.FriendByLineUser(f.ctx, ws, f.account.ID, "U1")
		_, checks["FriendTags"] = f.store.FriendTags(f.ctx, ws, friend.ID)
		checks["AddFriendTags"] = f.store.AddFriendTags(f.ctx, ws, friend.ID, []string{"vip"}, "")
		checks["RemoveFriendTags"] = f.store.RemoveFriendTags(f.ctx, ws, friend.ID, []string{"vip"})
		checks["SetFriendField"] = f.store.SetFriendField(f.ctx, ws, friend.ID, "size", "M")
		for name, err := range checks {
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s from another workspace: err = %v, want ErrNotFound", name, err)
			}
		}
		if got := f.tags(t, friend.ID); len(got) != 0 {
			t.Errorf("tags = %v after calls from another workspace", got)
		}
		if got, _ := f.store.GetFriend(f.ctx, f.ws.ID, friend.ID); len(got.Fields) != 0 {
			t.Errorf("fields = %v after calls from another workspace", got.Fields)
		}
	})
}

func TestFriendTags_AddRemoveAndReplaceByPrefix(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		steps := []struct {
			name   string
			add    []string
			prefix string
			remove []string
			want   []string
		}{
			{name: "add two", add: []string{"vip", "newsletter"}, want: []string{"newsletter", "vip"}},
			{name: "add again", add: []string{"vip", "vip"}, want: []string{"newsletter", "vip"}},
			{name: "first answer", add: []string{"size:M"}, prefix: "size:", want: []string{"newsletter", "size:M", "vip"}},
			{name: "latest answer wins", add: []string{"size:L"}, prefix: "size:", want: []string{"newsletter", "size:L", "vip"}},
			{name: "same answer again", add: []string{"size:L"}, prefix: "size:", want: []string{"newsletter", "size:L", "vip"}},
			{name: "prefix alone clears", prefix: "size:", want: []string{"newsletter", "vip"}},
			{name: "remove one and an unknown", remove: []string{"vip", "never-made"}, want: []string{"newsletter"}},
			{name: "remove again", remove: []string{"vip"}, want: []string{"newsletter"}},
		}
		for _, step := range steps {
			var err error
			if step.remove != nil {
				err = f.store.RemoveFriendTags(f.ctx, f.ws.ID, friend.ID, step.remove)
			} else {
				err = f.store.AddFriendTags(f.ctx, f.ws.ID, friend.ID, step.add, step.prefix)
			}
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if got := f.tags(t, friend.ID); !reflect.DeepEqual(got, step.want) {
				t.Errorf("%s: tags %v, want %v", step.name, got, step.want)
			}
		}
		// Tags stay in the workspace once made (removing a tag from a friend keeps it).
		var tags []string
		f.db.Model(&models.Tag{}).Where("workspace_id = ?", f.ws.ID).Order("name").Pluck("name", &tags)
		if want := []string{"newsletter", "size:L", "size:M", "vip"}; !reflect.DeepEqual(tags, want) {
			t.Errorf("workspace tags %v, want %v", tags, want)
		}
		if err := f.store.AddFriendTags(f.ctx, f.ws.ID, friend.ID, []string{""}, ""); !errors.Is(err, models.ErrEmptyTagName) {
			t.Errorf("empty tag name: err = %v", err)
		}
	})
}

func TestAddFriendTags_ConcurrentAnswersWithAPrefixLeaveOne(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := range 10 {
			wg.Go(func() {
				errs <- f.store.AddFriendTags(f.ctx, f.ws.ID, friend.ID, []string{fmt.Sprintf("answer:%d", i)}, "answer:")
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.tags(t, friend.ID); len(got) != 1 {
			t.Errorf("tags %v, want one answer", got)
		}
	})
}

func TestSetFriendField_ConcurrentWritesToDifferentFieldsAllSurvive(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		if err := f.store.SetFriendField(f.ctx, f.ws.ID, friend.ID, "existing", "kept"); err != nil {
			t.Fatal(err)
		}
		const writers = 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				errs <- f.store.SetFriendField(f.ctx, f.ws.ID, friend.ID, fmt.Sprintf("field%d", i), i)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.store.GetFriend(f.ctx, f.ws.ID, friend.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"existing": "kept"}
		for i := range writers {
			want[fmt.Sprintf("field%d", i)] = float64(i)
		}
		if !reflect.DeepEqual(got.Fields, want) {
			t.Errorf("fields %v, want %v", got.Fields, want)
		}
	})
}

func TestSetFriendField_OverwritesTheFieldAndStoresJSONValues(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		cases := []struct {
			value any
			want  any
		}{
			{"first", "first"},
			{"second", "second"},
			{42, float64(42)},
			{map[string]int{"a": 1}, map[string]any{"a": float64(1)}},
			{[]string{"x"}, []any{"x"}},
			{nil, nil},
		}
		for _, c := range cases {
			if err := f.store.SetFriendField(f.ctx, f.ws.ID, friend.ID, "answer", c.value); err != nil {
				t.Fatalf("set %v: %v", c.value, err)
			}
			got, _ := f.store.GetFriend(f.ctx, f.ws.ID, friend.ID)
			if v, ok := got.Fields["answer"]; !ok || !reflect.DeepEqual(v, c.want) || len(got.Fields) != 1 {
				t.Errorf("after setting %#v: fields %#v", c.value, got.Fields)
			}
		}
		if err := f.store.SetFriendField(f.ctx, f.ws.ID, friend.ID, "", 1); !errors.Is(err, models.ErrEmptyFieldName) {
			t.Errorf("empty field name: err = %v", err)
		}
		if err := f.store.SetFriendField(f.ctx, f.ws.ID, friend.ID, "bad", func() {}); err == nil {
			t.Error("a value JSON cannot hold was accepted")
		}
	})
}
