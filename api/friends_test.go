package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// friendOut is a friend as the API returns it.
type friendOut struct {
	ID            string         `json:"id"`
	LineAccountID string         `json:"lineAccountId"`
	LineUserID    string         `json:"lineUserId"`
	DisplayName   string         `json:"displayName"`
	PictureURL    string         `json:"pictureUrl"`
	StatusMessage string         `json:"statusMessage"`
	Language      string         `json:"language"`
	FollowedAt    *time.Time     `json:"followedAt"`
	BlockedAt     *time.Time     `json:"blockedAt"`
	Blocked       bool           `json:"blocked"`
	Tags          []string       `json:"tags"`
	Fields        map[string]any `json:"fields"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
}

type friendPage struct {
	Items      []friendOut `json:"items"`
	NextCursor string      `json:"nextCursor"`
}

// friendsFixture is a workspace with two LINE accounts and these friends, oldest first
// (so that lists show them the other way round):
//
//	mina    account 1  "Mina Kato"       tags vip, coffee   fields drink, cups
//	lower   account 1  "mina"            tag tea
//	juice   account 1  "100% Juice_Fan"
//	ken     account 1  "Ken"             tags vip, 常連       blocked
//	yuki    account 2  "Yuki"            tag vip
//
// and a second workspace, globex, whose friend "Mina Other" carries vip too.
type friendsFixture struct {
	*testAPI
	ws, key           string
	otherKey          string
	account, account2 string
	otherAccount      string
	friends           map[string]models.Friend
	otherFriend       models.Friend
	followed, blocked time.Time
	names             map[string]string // friend ID → fixture name
	otherWorkspaceID  string
}

func newFriendsFixture(t *testing.T, db *database.DB) *friendsFixture {
	t.Helper()
	a := newTestAPI(t, db)
	ws, key := a.workspace("acme")
	otherWS, otherKey := a.workspace("globex")
	f := &friendsFixture{
		testAPI:          a,
		ws:               ws,
		key:              key,
		otherKey:         otherKey,
		account:          a.createAccount(key, "Shop", "1650000000").ID,
		account2:         a.createAccount(key, "Café", "1650000001").ID,
		otherAccount:     a.createAccount(otherKey, "Globex", "1650000002").ID,
		friends:          map[string]models.Friend{},
		names:            map[string]string{},
		followed:         time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		blocked:          time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC),
		otherWorkspaceID: otherWS,
	}
	ctx := context.Background()
	for i, spec := range []struct {
		name, account, displayName string
		tags                       []string
	}{
		{"mina", f.account, "Mina Kato", []string{"vip", "coffee"}},
		{"lower", f.account, "mina", []string{"tea"}},
		{"juice", f.account, "100% Juice_Fan", nil},
		{"ken", f.account, "Ken", []string{"vip", "常連"}},
		{"yuki", f.account2, "Yuki", []string{"vip"}},
	} {
		friend, _, err := a.store.FollowFriend(ctx, ws, spec.account, lineUser(i+1), models.FriendProfile{
			DisplayName: spec.displayName, PictureURL: "https://p.example/" + spec.name, StatusMessage: "hi", Language: "ja",
		}, f.followed)
		if err != nil {
			t.Fatal(err)
		}
		if len(spec.tags) > 0 {
			if err := a.store.AddFriendTags(ctx, ws, friend.ID, spec.tags, ""); err != nil {
				t.Fatal(err)
			}
		}
		f.friends[spec.name] = friend
		f.names[friend.ID] = spec.name
	}
	if _, err := a.store.BlockFriend(ctx, ws, f.account, lineUser(4), f.blocked); err != nil {
		t.Fatal(err)
	}
	for field, value := range map[string]any{"drink": "Coffee", "cups": 3} {
		if err := a.store.SetFriendField(ctx, ws, f.friends["mina"].ID, field, value); err != nil {
			t.Fatal(err)
		}
	}
	other, _, err := a.store.FollowFriend(ctx, otherWS, f.otherAccount, lineUser(100), models.FriendProfile{DisplayName: "Mina Other"}, f.followed)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.AddFriendTags(ctx, otherWS, other.ID, []string{"vip"}, ""); err != nil {
		t.Fatal(err)
	}
	f.otherFriend = other
	return f
}

// listPages follows nextCursor from query to the last page and returns each page's
// friends by fixture name.
func (f *friendsFixture) listPages(t *testing.T, query string) [][]string {
	t.Helper()
	var pages [][]string
	cursor := ""
	for range 20 {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		res := f.do(http.MethodGet, "/v1/friends?"+q, f.key, "")
		res.wantStatus(t, http.StatusOK)
		var page friendPage
		res.decode(t, &page)
		names := []string{}
		for _, item := range page.Items {
			name, ok := f.names[item.ID]
			if !ok {
				name = "unknown friend " + item.DisplayName
			}
			names = append(names, name)
		}
		pages = append(pages, names)
		if cursor = page.NextCursor; cursor == "" {
			return pages
		}
	}
	t.Fatalf("?%s: no last page after 20", query)
	return nil
}

// tagsOf asks the API for the friend's tags.
func (f *friendsFixture) tagsOf(t *testing.T, friendID string) []string {
	t.Helper()
	res := f.do(http.MethodGet, "/v1/friends/"+friendID, f.key, "")
	res.wantStatus(t, http.StatusOK)
	var got friendOut
	res.decode(t, &got)
	return got.Tags
}

func TestFriends_ListFiltersAndPagesNewestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		one := func(names ...string) [][]string { return [][]string{append([]string{}, names...)} }
		cases := []struct {
			name  string
			query string
			want  [][]string
		}{
			{"no filter", "", one("yuki", "ken", "juice", "lower", "mina")},
			{"pages of two", "limit=2", [][]string{{"yuki", "ken"}, {"juice", "lower"}, {"mina"}}},
			{"an empty filter is none", "tag=&q=&lineAccountId=&blocked=", one("yuki", "ken", "juice", "lower", "mina")},
			{"tag", "tag=vip", one("yuki", "ken", "mina")},
			{"tag, paged", "tag=vip&limit=1", [][]string{{"yuki"}, {"ken"}, {"mina"}}},
			{"tag not in Latin script", "tag=" + url.QueryEscape("常連"), one("ken")},
			{"tag names are exact", "tag=VIP", one()},
			{"unknown tag", "tag=nobody-has-this", one()},
			{"q ignores case", "q=MINA", one("lower", "mina")},
			{"q is a substring", "q=kat", one("mina")},
			{"q takes % literally", "q=" + url.QueryEscape("0%"), one("juice")},
			{"q takes _ literally", "q=_", one("juice")},
			{"q with a LIKE wildcard that would match everything", "q=" + url.QueryEscape("%"), one("juice")},
			{"q is an exact LINE user ID", "q=" + lineUser(4), one("ken")},
			{"q is no substring of LINE user IDs", "q=" + lineUser(4)[:20], one()},
			{"q is another workspace's user", "q=" + lineUser(100), one()},
			{"account", "lineAccountId=" + f.account2, one("yuki")},
			{"blocked", "blocked=true", one("ken")},
			{"not blocked", "blocked=false", one("yuki", "juice", "lower", "mina")},
			{"all filters hold", "tag=vip&blocked=false&lineAccountId=" + f.account, one("mina")},
			{"filters and paging", "q=i&blocked=false&limit=2", [][]string{{"yuki", "juice"}, {"lower", "mina"}}},
		}
		for _, c := range cases {
			if got := f.listPages(t, c.query); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s (?%s): pages %v, want %v", c.name, c.query, got, c.want)
			}
		}
	})
}

func TestFriends_ListItemsCarrySortedTagsButNotFields(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		res := f.do(http.MethodGet, "/v1/friends?lineAccountId="+f.account, f.key, "")
		res.wantStatus(t, http.StatusOK)
		var raw struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		res.decode(t, &raw)
		for _, item := range raw.Items {
			if _, ok := item["fields"]; ok {
				t.Errorf("a list item has fields: %s", res.body)
				break
			}
			for _, key := range []string{"id", "lineAccountId", "lineUserId", "displayName", "pictureUrl", "statusMessage", "language", "followedAt", "blockedAt", "blocked", "tags", "createdAt", "updatedAt"} {
				if _, ok := item[key]; !ok {
					t.Errorf("no %q in a list item: %s", key, res.body)
				}
			}
		}
		var page friendPage
		res.decode(t, &page)
		got := map[string]friendOut{}
		for _, item := range page.Items {
			got[f.names[item.ID]] = item
		}
		// Tags sorted by byte order; [] rather than null without any.
		for name, want := range map[string][]string{"mina": {"coffee", "vip"}, "lower": {"tea"}, "juice": {}, "ken": {"vip", "常連"}} {
			if !reflect.DeepEqual(got[name].Tags, want) {
				t.Errorf("%s: tags %#v, want %#v", name, got[name].Tags, want)
			}
		}
		if !strings.Contains(string(res.body), `"tags":[]`) {
			t.Errorf("a friend without tags is not tags: []: %s", res.body)
		}
		ken := got["ken"]
		if !ken.Blocked || ken.BlockedAt == nil || !ken.BlockedAt.Equal(f.blocked) || !ken.FollowedAt.Equal(f.followed) {
			t.Errorf("ken as listed: %+v", ken)
		}
		if mina := got["mina"]; mina.Blocked || mina.BlockedAt != nil || mina.LineUserID != lineUser(1) || mina.DisplayName != "Mina Kato" {
			t.Errorf("mina as listed: %+v", mina)
		}
	})
}

func TestFriends_GetShowsTagsAndFields(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		mina, err := f.store.GetFriend(context.Background(), f.ws, f.friends["mina"].ID)
		if err != nil {
			t.Fatal(err)
		}
		res := f.do(http.MethodGet, "/v1/friends/"+mina.ID, f.key, "")
		res.wantStatus(t, http.StatusOK)
		var got friendOut
		res.decode(t, &got)
		followed := f.followed
		want := friendOut{
			ID: mina.ID, LineAccountID: f.account, LineUserID: lineUser(1), DisplayName: "Mina Kato",
			PictureURL: "https://p.example/mina", StatusMessage: "hi", Language: "ja",
			FollowedAt: &followed, Tags: []string{"coffee", "vip"},
			Fields:    map[string]any{"drink": "Coffee", "cups": float64(3)},
			CreatedAt: mina.CreatedAt.UTC(), UpdatedAt: mina.UpdatedAt.UTC(),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("friend\n got %+v\nwant %+v", got, want)
		}
		if !strings.Contains(string(res.body), `"blockedAt":null`) {
			t.Errorf("blockedAt is not null: %s", res.body)
		}

		// A friend without fields or tags has {} and [].
		res = f.do(http.MethodGet, "/v1/friends/"+f.friends["juice"].ID, f.key, "")
		res.wantStatus(t, http.StatusOK)
		if body := string(res.body); !strings.Contains(body, `"fields":{}`) || !strings.Contains(body, `"tags":[]`) {
			t.Errorf("a bare friend: %s", body)
		}
	})
}

func TestFriends_AnotherWorkspacesFriendIsNotFound(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		for _, id := range []string{f.otherFriend.ID, models.NewID(), "not-an-id"} {
			for _, c := range []struct{ method, path, body string }{
				{http.MethodGet, "/v1/friends/" + id, ""},
				{http.MethodPost, "/v1/friends/" + id + "/tags", `{"tag": "taken"}`},
				// The friend is looked up before the body: no 422 that would tell the ID exists.
				{http.MethodPost, "/v1/friends/" + id + "/tags", `{"tag": ""}`},
				{http.MethodDelete, "/v1/friends/" + id + "/tags/vip", ""},
			} {
				got := f.do(c.method, c.path, f.key, c.body).wantError(t, http.StatusNotFound, "not_found")
				if got.Message != "friend not found" {
					t.Errorf("%s %s: message %q", c.method, c.path, got.Message)
				}
			}
		}
		// globex's friend kept its tag and got none.
		tags, err := f.store.FriendTags(context.Background(), f.otherWorkspaceID, f.otherFriend.ID)
		if err != nil || !reflect.DeepEqual(tags, []string{"vip"}) {
			t.Errorf("globex's friend's tags: %v, %v", tags, err)
		}
		// And globex lists only its own.
		res := f.do(http.MethodGet, "/v1/friends?tag=vip", f.otherKey, "")
		res.wantStatus(t, http.StatusOK)
		var page friendPage
		res.decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != f.otherFriend.ID {
			t.Errorf("globex's list: %s", res.body)
		}
	})
}

func TestFriends_BadFiltersAre422NamingTheField(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		cases := []struct {
			query string
			want  map[string]string
		}{
			{"blocked=yes", map[string]string{"blocked": "must be true or false"}},
			{"blocked=1", map[string]string{"blocked": "must be true or false"}},
			{"blocked=TRUE", map[string]string{"blocked": "must be true or false"}},
			{"q=" + strings.Repeat("あ", 101), map[string]string{"q": "must be at most 100 characters"}},
			{"q=" + strings.Repeat("x", 101) + "&blocked=no", map[string]string{"q": "must be at most 100 characters", "blocked": "must be true or false"}},
			{"lineAccountId=" + models.NewID(), map[string]string{"lineAccountId": "no LINE account with this ID in the workspace"}},
			{"lineAccountId=" + f.otherAccount, map[string]string{"lineAccountId": "no LINE account with this ID in the workspace"}},
			{"limit=0", map[string]string{"limit": "must be a whole number from 1 to 200"}},
			{"limit=201&tag=vip", map[string]string{"limit": "must be a whole number from 1 to 200"}},
			{"cursor=%21%21", map[string]string{"cursor": "is not a cursor this server handed out; pass nextCursor from the previous page"}},
		}
		for _, c := range cases {
			got := f.do(http.MethodGet, "/v1/friends?"+c.query, f.key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
			if !reflect.DeepEqual(got.Fields, c.want) {
				t.Errorf("?%s: fields %v, want %v", c.query, got.Fields, c.want)
			}
		}
		// 100 characters is fine, in any script.
		f.do(http.MethodGet, "/v1/friends?q="+url.QueryEscape(strings.Repeat("あ", 100)), f.key, "").wantStatus(t, http.StatusOK)
	})
}

func TestFriends_TagsAddAndRemoveRoundTrip(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		juice := f.friends["juice"].ID
		path := "/v1/friends/" + juice + "/tags"
		tagBody := func(tag string) string {
			b, _ := json.Marshal(map[string]string{"tag": tag})
			return string(b)
		}
		steps := []struct {
			name   string
			method string
			path   string
			body   string
			want   []string
		}{
			{"add", http.MethodPost, path, tagBody("vip"), []string{"vip"}},
			{"add again: idempotent", http.MethodPost, path, tagBody("vip"), []string{"vip"}},
			{"add a new tag with a colon", http.MethodPost, path, tagBody("drink:Coffee"), []string{"drink:Coffee", "vip"}},
			{"add a Japanese tag", http.MethodPost, path, tagBody("常連"), []string{"drink:Coffee", "vip", "常連"}},
			{"add a tag with a slash and a space", http.MethodPost, path, tagBody("a/b c"), []string{"a/b c", "drink:Coffee", "vip", "常連"}},
			{"add a tag like a wildcard", http.MethodPost, path, tagBody("100%"), []string{"100%", "a/b c", "drink:Coffee", "vip", "常連"}},
			{"remove, escaped", http.MethodDelete, path + "/" + url.PathEscape("drink:Coffee"), "", []string{"100%", "a/b c", "vip", "常連"}},
			{"remove, escaped colon", http.MethodDelete, path + "/drink%3ACoffee", "", []string{"100%", "a/b c", "vip", "常連"}},
			{"remove with an escaped slash", http.MethodDelete, path + "/a%2Fb%20c", "", []string{"100%", "vip", "常連"}},
			{"remove a Japanese tag", http.MethodDelete, path + "/" + url.PathEscape("常連"), "", []string{"100%", "vip"}},
			{"remove a tag with %", http.MethodDelete, path + "/100%25", "", []string{"vip"}},
			{"remove one the friend lacks: idempotent", http.MethodDelete, path + "/tea", "", []string{"vip"}},
			{"remove one nobody has", http.MethodDelete, path + "/no-such-tag", "", []string{"vip"}},
			{"remove the last", http.MethodDelete, path + "/vip", "", []string{}},
			{"remove it again", http.MethodDelete, path + "/vip", "", []string{}},
		}
		for _, s := range steps {
			res := f.do(s.method, s.path, f.key, s.body)
			if res.status != http.StatusOK {
				t.Fatalf("%s: status %d, body %s", s.name, res.status, res.body)
			}
			var got friendOut
			res.decode(t, &got)
			if got.ID != juice || !reflect.DeepEqual(got.Tags, s.want) || got.Fields == nil {
				t.Errorf("%s: answered %+v, want tags %#v", s.name, got, s.want)
			}
			if stored := f.tagsOf(t, juice); !reflect.DeepEqual(stored, s.want) {
				t.Errorf("%s: tags read back %#v, want %#v", s.name, stored, s.want)
			}
		}

		// Without a tag there is nothing to take off: no such route.
		f.do(http.MethodDelete, path+"/", f.key, "").wantError(t, http.StatusNotFound, "not_found")

		// Tags the API made are filters like any other, and a tag taken off one friend
		// stays on the others.
		f.do(http.MethodPost, path, f.key, tagBody("常連")).wantStatus(t, http.StatusOK)
		if got := f.listPages(t, "tag="+url.QueryEscape("常連")); !reflect.DeepEqual(got, [][]string{{"ken", "juice"}}) {
			t.Errorf("?tag=常連: %v", got)
		}
		f.do(http.MethodDelete, path+"/"+url.PathEscape("常連"), f.key, "").wantStatus(t, http.StatusOK)
		if got := f.listPages(t, "tag="+url.QueryEscape("常連")); !reflect.DeepEqual(got, [][]string{{"ken"}}) {
			t.Errorf("?tag=常連 after removing juice's: %v", got)
		}
		// Fields survive tag changes.
		mina := f.friends["mina"].ID
		res := f.do(http.MethodDelete, "/v1/friends/"+mina+"/tags/coffee", f.key, "")
		res.wantStatus(t, http.StatusOK)
		var minaNow friendOut
		res.decode(t, &minaNow)
		if minaNow.Fields["drink"] != "Coffee" || !reflect.DeepEqual(minaNow.Tags, []string{"vip"}) {
			t.Errorf("mina after removing coffee: %+v", minaNow)
		}
	})
}

func TestFriends_AddTagRefusesBadBodies(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendsFixture(t, db)
		mina := f.friends["mina"].ID
		cases := []struct {
			name   string
			body   string
			status int
			fields map[string]string
		}{
			{"no tag", `{}`, http.StatusUnprocessableEntity, map[string]string{"tag": "required"}},
			{"empty tag", `{"tag": ""}`, http.StatusUnprocessableEntity, map[string]string{"tag": "required"}},
			{"blank tag", `{"tag": "   "}`, http.StatusUnprocessableEntity, map[string]string{"tag": "must not be blank"}},
			{"two lines", `{"tag": "vip\ngold"}`, http.StatusUnprocessableEntity, map[string]string{"tag": "must be one line of plain text, without control characters, line breaks or invisible direction marks (U+000A at character 4)"}},
			{"a tab", `{"tag": "vip\tgold"}`, http.StatusUnprocessableEntity, map[string]string{"tag": "must be one line of plain text, without control characters, line breaks or invisible direction marks (U+0009 at character 4)"}},
			{"too long", `{"tag": "` + strings.Repeat("x", 101) + `"}`, http.StatusUnprocessableEntity, map[string]string{"tag": "must be at most 100 characters"}},
			{"an unknown key", `{"tag": "vip", "color": "red"}`, http.StatusUnprocessableEntity, nil},
			{"tags, not tag", `{"tags": ["vip"]}`, http.StatusUnprocessableEntity, nil},
			{"not a string", `{"tag": 5}`, http.StatusBadRequest, nil},
			{"not JSON", `vip`, http.StatusBadRequest, nil},
			{"no body", ``, http.StatusBadRequest, nil},
		}
		for _, c := range cases {
			code := "validation_failed"
			if c.status == http.StatusBadRequest {
				code = "malformed_json"
			}
			res := f.do(http.MethodPost, "/v1/friends/"+mina+"/tags", f.key, c.body)
			if res.status != c.status {
				t.Errorf("%s: status %d, want %d; body %s", c.name, res.status, c.status, res.body)
				continue
			}
			got := res.wantError(t, c.status, code)
			if c.fields != nil && !reflect.DeepEqual(got.Fields, c.fields) {
				t.Errorf("%s: fields %v, want %v", c.name, got.Fields, c.fields)
			}
		}
		// 100 characters, in any script, is a tag.
		long := strings.Repeat("茶", 100)
		f.do(http.MethodPost, "/v1/friends/"+mina+"/tags", f.key, `{"tag": "`+long+`"}`).wantStatus(t, http.StatusOK)
		if got := f.tagsOf(t, mina); !reflect.DeepEqual(got, []string{"coffee", "vip", long}) {
			t.Errorf("tags after the refused bodies and one long tag: %v", got)
		}
	})
}
