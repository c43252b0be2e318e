package activities_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// dbFixture is a workspace with a LINE account and a friend, and a second workspace.
type dbFixture struct {
	ctx    context.Context
	db     *database.DB
	store  *models.Store
	ws     models.Workspace
	other  models.Workspace
	friend models.Friend
}

func newDBFixture(t *testing.T, db *database.DB) dbFixture {
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
	friend, err := store.UpsertFriend(ctx, ws.ID, account.ID, "U00000000000000000000000000000001", models.FriendProfile{
		DisplayName: "Aiko", PictureURL: "https://profile.line-scdn.net/aiko", Language: "ja",
	})
	if err != nil {
		t.Fatal(err)
	}
	return dbFixture{ctx: ctx, db: db, store: store, ws: ws, other: other, friend: friend}
}

func (f dbFixture) ref() activities.FriendRef {
	return activities.FriendRef{WorkspaceID: f.ws.ID, FriendID: f.friend.ID}
}

// wantNonRetryable fails the test unless err is a non-retryable ApplicationError of type.
func wantNonRetryable(t *testing.T, what string, err error, errType string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errType || !appErr.NonRetryable() {
		t.Errorf("%s: err = %v, want a non-retryable %s", what, err, errType)
	}
}

func TestFriends_SnapshotReadsProfileTagsAndFields(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		friends := &activities.Friends{Store: f.store}
		if err := friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"vip", "size:M"}}); err != nil {
			t.Fatal(err)
		}
		if err := friends.SetField(f.ctx, activities.SetFieldInput{Friend: f.ref(), Field: "birthday", Value: "04-01"}); err != nil {
			t.Fatal(err)
		}

		got, err := friends.Snapshot(f.ctx, f.ref())
		if err != nil {
			t.Fatal(err)
		}
		want := activities.FriendSnapshot{
			ID: f.friend.ID, LineUserID: f.friend.LineUserID, DisplayName: "Aiko",
			PictureURL: "https://profile.line-scdn.net/aiko", Language: "ja",
			Tags: []string{"size:M", "vip"}, Fields: map[string]any{"birthday": "04-01"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("snapshot\n got %+v\nwant %+v", got, want)
		}

		f.db.Model(&models.Friend{}).Where("id = ?", f.friend.ID).Update("blocked_at", time.Now())
		if got, _ := friends.Snapshot(f.ctx, f.ref()); !got.Blocked || got.Tags == nil {
			t.Errorf("blocked friend: %+v", got)
		}
	})
}

func TestFriends_RepeatingACallLeavesTheSameState(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		friends := &activities.Friends{Store: f.store}
		calls := []struct {
			name     string
			call     func() error
			wantTags []string
		}{
			{"add", func() error {
				return friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"vip", "answer:yes"}})
			}, []string{"answer:yes", "vip"}},
			{"answer again with a prefix", func() error {
				return friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"answer:no"}, RemovePrefix: "answer:"})
			}, []string{"answer:no", "vip"}},
			{"remove", func() error {
				return friends.RemoveTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"vip"}})
			}, []string{"answer:no"}},
			{"set a field", func() error {
				return friends.SetField(f.ctx, activities.SetFieldInput{Friend: f.ref(), Field: "size", Value: "M"})
			}, []string{"answer:no"}},
		}
		for _, c := range calls {
			if err := c.call(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			once, _ := friends.Snapshot(f.ctx, f.ref())
			if err := c.call(); err != nil { // Temporal's retry
				t.Fatalf("%s again: %v", c.name, err)
			}
			twice, _ := friends.Snapshot(f.ctx, f.ref())
			if !reflect.DeepEqual(once, twice) || !reflect.DeepEqual(twice.Tags, c.wantTags) {
				t.Errorf("%s: once %+v, twice %+v, want tags %v", c.name, once, twice, c.wantTags)
			}
		}
	})
}

func TestFriends_RefusalsAreNotRetried(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		friends := &activities.Friends{Store: f.store}
		foreign := activities.FriendRef{WorkspaceID: f.other.ID, FriendID: f.friend.ID}
		_, err := friends.Snapshot(f.ctx, foreign)
		wantNonRetryable(t, "snapshot from another workspace", err, activities.ErrNotFound)
		err = friends.AddTags(f.ctx, activities.TagsInput{Friend: foreign, Tags: []string{"vip"}})
		wantNonRetryable(t, "add tags from another workspace", err, activities.ErrNotFound)
		err = friends.RemoveTags(f.ctx, activities.TagsInput{Friend: foreign, Tags: []string{"vip"}})
		wantNonRetryable(t, "remove tags from another workspace", err, activities.ErrNotFound)
		err = friends.SetField(f.ctx, activities.SetFieldInput{Friend: foreign, Field: "size", Value: "M"})
		wantNonRetryable(t, "set field from another workspace", err, activities.ErrNotFound)

		err = friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{""}})
		wantNonRetryable(t, "empty tag", err, activities.ErrInvalidInput)
		err = friends.SetField(f.ctx, activities.SetFieldInput{Friend: f.ref(), Value: 1})
		wantNonRetryable(t, "empty field name", err, activities.ErrInvalidInput)
	})
}

func TestFriends_ADatabaseFaultIsRetried(t *testing.T) {
	f := newDBFixture(t, testenv.SQLite(t))
	friends := &activities.Friends{Store: f.store}
	f.db.Close()

	err := friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"vip"}})

	wantRetryable(t, err)
}

// A tag made of a friend's answer ({"saveTo": {"tagPrefix": "drink:"}}) is friend text:
// it is made a one-line name before it is stored, as every name in Lumo is
// (internal/safetext), rather than carry a line break or a direction mark into lists.
func TestFriends_AddTagsMakesFriendTextIntoOneLineNames(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		friends := &activities.Friends{Store: f.store}
		err := friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"drink:Black\ttea", "drink:\u202egnp.exe", "vip"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.store.FriendTags(f.ctx, f.ws.ID, f.friend.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"drink:Black tea", "drink:gnp.exe", "vip"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("tags %q, want %q", got, want)
		}
		err = friends.AddTags(f.ctx, activities.TagsInput{Friend: f.ref(), Tags: []string{"\u200f\r\n"}})
		wantNonRetryable(t, "a tag of nothing but marks and line breaks", err, activities.ErrInvalidInput)
	})
}
