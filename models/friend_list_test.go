package models_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestListFriends_QueryMatchesNamesLiterallyIgnoringCase(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		names := map[string]string{}
		// Oldest first.
		for _, spec := range []struct{ user, name string }{
			{"U1", "Mina"}, {"U2", "MINA_K"}, {"U3", "50% off"}, {"U4", `back\slash`}, {"U5", "Ken"},
		} {
			friend, err := f.store.UpsertFriend(f.ctx, f.ws.ID, f.account.ID, spec.user, models.FriendProfile{DisplayName: spec.name})
			if err != nil {
				t.Fatal(err)
			}
			names[friend.ID] = spec.name
		}
		tests := []struct {
			query string
			want  []string // display names, newest first
		}{
			{"mina", []string{"MINA_K", "Mina"}},
			{"a_", []string{"MINA_K"}},
			{"_", []string{"MINA_K"}},
			{"%", []string{"50% off"}},
			{"0%", []string{"50% off"}},
			{`\`, []string{`back\slash`}},
			{`k\s`, []string{`back\slash`}},
			{"U5", []string{"Ken"}},
			{"U", nil},
			{"nobody", nil},
		}
		for _, tt := range tests {
			friends, next, err := f.store.ListFriends(f.ctx, f.ws.ID, models.FriendFilter{Query: tt.query}, models.Page{})
			if err != nil {
				t.Fatalf("%q: %v", tt.query, err)
			}
			var got []string
			for _, friend := range friends {
				got = append(got, names[friend.ID])
			}
			if next != "" || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%q: %q (next %q), want %q", tt.query, got, next, tt.want)
			}
		}
	})
}

func TestListFriends_UnknownAccountIsAFieldError(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		f.friend(t, "U1")
		// The account is the fixture's workspace's, so to the other one it does not exist.
		_, _, err := f.store.ListFriends(f.ctx, f.other.ID, models.FriendFilter{LineAccountID: f.account.ID}, models.Page{})
		var fieldErr *models.FieldError
		if !errors.As(err, &fieldErr) || fieldErr.Field != "lineAccountId" {
			t.Errorf("err = %v, want a FieldError on lineAccountId", err)
		}
		friends, _, err := f.store.ListFriends(f.ctx, f.other.ID, models.FriendFilter{}, models.Page{})
		if err != nil || len(friends) != 0 {
			t.Errorf("the other workspace lists %d friends, err %v", len(friends), err)
		}
	})
}

func TestTagsOfFriends_OneEntryPerIDSortedAndScoped(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		tagged, bare := f.friend(t, "U1"), f.friend(t, "U2")
		if err := f.store.AddFriendTags(f.ctx, f.ws.ID, tagged.ID, []string{"vip", "Zebra", "常連", "apple"}, ""); err != nil {
			t.Fatal(err)
		}
		got, err := f.store.TagsOfFriends(f.ctx, f.ws.ID, []string{tagged.ID, bare.ID, "no-such-friend"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			tagged.ID:        {"Zebra", "apple", "vip", "常連"},
			bare.ID:          {},
			"no-such-friend": {},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("tags %q, want %q", got, want)
		}
		foreign, err := f.store.TagsOfFriends(f.ctx, f.other.ID, []string{tagged.ID})
		if err != nil || len(foreign[tagged.ID]) != 0 {
			t.Errorf("another workspace reads %q, %v", foreign, err)
		}
		if none, err := f.store.TagsOfFriends(f.ctx, f.ws.ID, nil); err != nil || len(none) != 0 {
			t.Errorf("no IDs: %v, %v", none, err)
		}
	})
}
