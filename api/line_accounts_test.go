package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestLineAccounts_CreateThenListNeverShowsTheSecrets(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")

		res := a.do(http.MethodPost, "/v1/line-accounts", key, accountBody("Cafe Lumo", "1650000000"))
		res.wantStatus(t, http.StatusCreated)
		var created lineAccount
		res.decode(t, &created)
		if created.ID == "" || created.Name != "Cafe Lumo" || created.ChannelID != "1650000000" {
			t.Errorf("created = %+v", created)
		}
		if want := publicURL + "/webhooks/line/" + created.ID; created.WebhookURL != want {
			t.Errorf("webhookUrl = %q, want %q", created.WebhookURL, want)
		}
		for _, ts := range []string{created.CreatedAt, created.UpdatedAt} {
			if parsed, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, "Z") || time.Since(parsed) > time.Minute {
				t.Errorf("time %q is not a recent RFC 3339 UTC time (%v)", ts, err)
			}
		}

		list := a.do(http.MethodGet, "/v1/line-accounts", key, "")
		list.wantStatus(t, http.StatusOK)
		var page lineAccountList
		list.decode(t, &page)
		if len(page.Items) != 1 || page.Items[0] != created {
			t.Errorf("list = %+v, want just %+v", page.Items, created)
		}
		if page.NextCursor == nil || *page.NextCursor != "" {
			t.Errorf("nextCursor on the only page = %v, want present and empty", page.NextCursor)
		}

		get := a.do(http.MethodGet, "/v1/line-accounts/"+created.ID, key, "")
		get.wantStatus(t, http.StatusOK)

		for _, raw := range [][]byte{res.body, list.body, get.body} {
			body := string(raw)
			if strings.Contains(body, sampleSecret) || strings.Contains(body, sampleToken) || strings.Contains(strings.ToLower(body), "secret\"") {
				t.Errorf("a response shows a secret: %s", body)
			}
		}
	})
}

func TestLineAccounts_CreateNamesEveryInvalidField(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name       string
		body       string
		wantFields map[string]string
	}{
		{
			name: "everything missing",
			body: `{}`,
			wantFields: map[string]string{
				"name": "required", "channelId": "required", "channelSecret": "required", "channelAccessToken": "required",
			},
		},
		{
			name: "everything wrong",
			body: `{"name": "` + strings.Repeat("あ", 101) + `", "channelId": "16500-0000", "channelSecret": "not-hex", "channelAccessToken": "has a space"}`,
			wantFields: map[string]string{
				"name":               "must be at most 100 characters",
				"channelId":          "must contain only the digits 0-9",
				"channelSecret":      "must be the 32 hexadecimal characters of the channel secret (LINE Developers console, Basic settings)",
				"channelAccessToken": "must be printable ASCII without spaces or line breaks",
			},
		},
		{
			name: "blank name, long channel ID, secret one short, token too long",
			body: `{"name": "   ", "channelId": "123456789012345678901", "channelSecret": "` + sampleSecret[:31] + `", "channelAccessToken": "` + strings.Repeat("t", 2001) + `"}`,
			wantFields: map[string]string{
				"name":               "must not be blank",
				"channelId":          "must be at most 20 characters",
				"channelSecret":      "must be the 32 hexadecimal characters of the channel secret (LINE Developers console, Basic settings)",
				"channelAccessToken": "must be at most 2000 characters",
			},
		},
		{
			name:       "name with a line break",
			body:       `{"name": "Cafe\nLumo", "channelId": "1", "channelSecret": "` + sampleSecret + `", "channelAccessToken": "t"}`,
			wantFields: map[string]string{"name": "must be one line of plain text, without control characters, line breaks or invisible direction marks (U+000A at character 5)"},
		},
		{
			name:       "token pasted with a trailing newline",
			body:       `{"name": "Cafe", "channelId": "1", "channelSecret": "` + sampleSecret + `", "channelAccessToken": "token\n"}`,
			wantFields: map[string]string{"channelAccessToken": "must be printable ASCII without spaces or line breaks"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.do(http.MethodPost, "/v1/line-accounts", key, tc.body).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
			if fmt.Sprint(got.Fields) != fmt.Sprint(tc.wantFields) {
				t.Errorf("fields =\n%v\nwant\n%v", got.Fields, tc.wantFields)
			}
		})
	}

	// A 100-character name in a non-Latin script is fine: the limit counts characters.
	a.createAccount(key, strings.Repeat("あ", 100), "1650000001")
}

func TestLineAccounts_ListPagesNewestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		var want []string
		for i := range 5 {
			want = append(want, a.createAccount(key, fmt.Sprintf("Shop %d", i), fmt.Sprint(1650000000+i)).ID)
		}
		slices.Reverse(want)

		var got []string
		path := "/v1/line-accounts?limit=2"
		for pages := 1; ; pages++ {
			if pages > 3 {
				t.Fatal("more than 3 pages of 2 for 5 accounts")
			}
			var page lineAccountList
			res := a.do(http.MethodGet, path, key, "")
			res.wantStatus(t, http.StatusOK)
			res.decode(t, &page)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d items with limit=2", len(page.Items))
			}
			for _, item := range page.Items {
				got = append(got, item.ID)
			}
			if page.NextCursor == nil {
				t.Fatalf("nextCursor missing: %s", res.body)
			}
			if *page.NextCursor == "" {
				break
			}
			path = "/v1/line-accounts?limit=2&cursor=" + *page.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want newest first %v", got, want)
		}
	})
}

func TestLineAccounts_ListRejectsBadLimitAndCursor(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct{ query, field string }{
		{"limit=abc", "limit"},
		{"limit=0", "limit"},
		{"limit=-1", "limit"},
		{"limit=201", "limit"},
		{"limit=1.5", "limit"},
		{"cursor=%25%25%25", "cursor"},
	}
	for _, tc := range cases {
		got := a.do(http.MethodGet, "/v1/line-accounts?"+tc.query, key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if len(got.Fields) != 1 || got.Fields[tc.field] == "" {
			t.Errorf("?%s: fields = %v, want one problem on %s", tc.query, got.Fields, tc.field)
		}
	}
	// An empty list is [], not null.
	res := a.do(http.MethodGet, "/v1/line-accounts?limit=200", key, "")
	res.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(res.body), `"items":[]`) {
		t.Errorf("empty list = %s", res.body)
	}
}

func TestLineAccounts_PatchChangesOnlyWhatIsSent(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		wsID, key := a.workspace("acme")
		created := a.createAccount(key, "Cafe Lumo", "1650000000")
		path := "/v1/line-accounts/" + created.ID

		// Rename, and rotate the token.
		res := a.do(http.MethodPatch, path, key, `{"name": "Cafe Lumo Shibuya", "channelAccessToken": "rotated-token"}`)
		res.wantStatus(t, http.StatusOK)
		var updated lineAccount
		res.decode(t, &updated)
		if updated.Name != "Cafe Lumo Shibuya" || updated.ChannelID != created.ChannelID || updated.CreatedAt != created.CreatedAt {
			t.Errorf("after rename: %+v", updated)
		}
		if strings.Contains(string(res.body), "rotated-token") {
			t.Errorf("the token is shown: %s", res.body)
		}
		creds, err := a.store.LineAccountCredentials(t.Context(), wsID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if creds.ChannelAccessToken != "rotated-token" || creds.ChannelSecret != sampleSecret {
			t.Errorf("credentials after rotation = %+v", creds)
		}

		// Nulls and an empty object change nothing.
		for _, body := range []string{`{}`, `{"name": null}`} {
			var same lineAccount
			res := a.do(http.MethodPatch, path, key, body)
			res.wantStatus(t, http.StatusOK)
			res.decode(t, &same)
			if same != updated {
				t.Errorf("PATCH %s changed the account: %+v, was %+v", body, same, updated)
			}
		}

		// The create rules hold for what is sent, every field at once.
		got := a.do(http.MethodPatch, path, key, `{"name": "", "channelId": "", "channelSecret": "x", "channelAccessToken": ""}`).
			wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		want := map[string]string{
			"name":               "must not be blank",
			"channelId":          "must not be blank",
			"channelSecret":      "must be the 32 hexadecimal characters of the channel secret (LINE Developers console, Basic settings)",
			"channelAccessToken": "must not be blank",
		}
		if fmt.Sprint(got.Fields) != fmt.Sprint(want) {
			t.Errorf("fields = %v, want %v", got.Fields, want)
		}
		a.do(http.MethodPatch, path, key, `{"channelSecret": 5}`).wantError(t, http.StatusBadRequest, "malformed_json")
		a.do(http.MethodPatch, "/v1/line-accounts/no-such-id", key, `{"name": "x"}`).wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestLineAccounts_DeleteDisconnects(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		created := a.createAccount(key, "Cafe Lumo", "1650000000")
		path := "/v1/line-accounts/" + created.ID

		res := a.do(http.MethodDelete, path, key, "")
		res.wantStatus(t, http.StatusNoContent)
		if len(res.body) != 0 {
			t.Errorf("204 with a body: %s", res.body)
		}
		a.do(http.MethodGet, path, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, path, key, "").wantError(t, http.StatusNotFound, "not_found")
		// The channel can be connected again.
		a.createAccount(key, "Cafe Lumo", "1650000000")
	})
}

func TestLineAccounts_DuplicateChannelIs409(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		_, otherKey := a.workspace("other")
		a.createAccount(key, "Cafe Lumo", "1650000000")
		second := a.createAccount(key, "Cafe Lumo 2", "1650000001")

		got := a.do(http.MethodPost, "/v1/line-accounts", key, accountBody("Again", "1650000000")).wantError(t, http.StatusConflict, "conflict")
		if got.Fields["channelId"] == "" {
			t.Errorf("conflict does not name channelId: %+v", got)
		}
		// Changing a channel ID onto a connected one collides the same way.
		a.do(http.MethodPatch, "/v1/line-accounts/"+second.ID, key, `{"channelId": "1650000000"}`).wantError(t, http.StatusConflict, "conflict")
		// Another workspace may connect the same channel.
		a.createAccount(otherKey, "Cafe Lumo", "1650000000")
	})
}
