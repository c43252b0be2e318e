package api_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// keyPieces are the runs of 6 characters of a key's random part (shorter runs turn up
// in other text by chance).
func keyPieces(key string) []string {
	random := strings.TrimPrefix(key, "lumo_")
	var pieces []string
	for i := 0; i+6 <= len(random); i++ {
		pieces = append(pieces, random[i:i+6])
	}
	return pieces
}

// Without X-Lumo-Actor the key that acted is recorded, by its ID: createdBy,
// lastPublishedBy and a version's publishedBy show nothing of the key.
func TestActor_WithoutTheHeaderIsTheKeyByItsID(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		authenticated, err := a.store.AuthenticateAPIKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		want := "api-key:" + authenticated.ID
		account := a.createAccount(key, "Shop", "1650000000")
		w := a.activeWorkflow(key, "Welcome", account.ID)
		if w.CreatedBy != want || w.LastPublishedBy == nil || *w.LastPublishedBy != want {
			t.Fatalf("createdBy = %q, lastPublishedBy = %v; want %q", w.CreatedBy, w.LastPublishedBy, want)
		}
		for _, path := range []string{"/v1/workflows/" + w.ID, "/v1/workflows", "/v1/workflows/" + w.ID + "/versions", "/v1/workflows/" + w.ID + "/versions/1"} {
			res := a.do(http.MethodGet, path, key, "")
			res.wantStatus(t, http.StatusOK)
			if !strings.Contains(string(res.body), want) {
				t.Errorf("GET %s does not name the key %s: %s", path, want, res.body)
			}
			for _, piece := range keyPieces(key) {
				if strings.Contains(string(res.body), piece) {
					t.Errorf("GET %s shows %q of the key: %s", path, piece, res.body)
					break
				}
			}
		}
	})
}

// apiKey is an API key as the API shows it; Key is set only in the answer to its creation.
type apiKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	Key        string     `json:"key"`
}

// createAPIKey makes a key in the workspace of key and returns it with its plaintext.
func (a *testAPI) createAPIKey(key, name string) apiKey {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/api-keys", key, fmt.Sprintf(`{"name": %q}`, name))
	res.wantStatus(a.t, http.StatusCreated)
	var created apiKey
	res.decode(a.t, &created)
	return created
}

// keyWorks tells whether key is let in.
func (a *testAPI) keyWorks(key string) bool {
	a.t.Helper()
	res := a.do(http.MethodGet, "/v1/line-accounts", key, "")
	if res.status != http.StatusOK && res.status != http.StatusUnauthorized {
		a.t.Fatalf("GET /v1/line-accounts = %d %s", res.status, res.body)
	}
	return res.status == http.StatusOK
}

func TestAPIKeys_CreateShowsTheKeyOnceAndListShowsNoKey(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, first := a.workspace("acme")
		a.workspace("other")

		res := a.do(http.MethodPost, "/v1/api-keys", first, `{"name": "Zapier"}`)
		res.wantStatus(t, http.StatusCreated)
		var fields map[string]any
		res.decode(t, &fields)
		if got := strings.Join(slices.Sorted(maps.Keys(fields)), ","); got != "createdAt,id,key,lastUsedAt,name,revokedAt" {
			t.Fatalf("created key has the fields %s: %s", got, res.body)
		}
		var created apiKey
		res.decode(t, &created)
		if created.Name != "Zapier" || created.ID == "" || created.CreatedAt.IsZero() || created.RevokedAt != nil || created.LastUsedAt != nil ||
			!strings.HasPrefix(created.Key, "lumo_") || len(created.Key) < 40 {
			t.Fatalf("created = %+v", created)
		}
		if !a.keyWorks(created.Key) {
			t.Fatal("the new key is refused")
		}

		list := a.do(http.MethodGet, "/v1/api-keys", created.Key, "")
		list.wantStatus(t, http.StatusOK)
		for _, secret := range append([]string{`"key"`, "keyHash", "key_hash", "hash"}, append(keyPieces(first), keyPieces(created.Key)...)...) {
			if strings.Contains(string(list.body), secret) {
				t.Fatalf("the list shows %q: %s", secret, list.body)
			}
		}
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"nextCursor"`
		}
		list.decode(t, &page)
		var names []string
		for _, item := range page.Items {
			if got := strings.Join(slices.Sorted(maps.Keys(item)), ","); got != "createdAt,id,lastUsedAt,name,revokedAt" {
				t.Errorf("listed key has the fields %s", got)
			}
			names = append(names, item["name"].(string))
			if item["lastUsedAt"] == nil {
				t.Errorf("key %v was used but has no lastUsedAt", item["name"])
			}
		}
		if strings.Join(names, ",") != "Zapier,default" || page.NextCursor != "" {
			t.Fatalf("list = %v, nextCursor %q; want Zapier, default (newest first) and no next page", names, page.NextCursor)
		}

		// Paged like every list.
		one := a.do(http.MethodGet, "/v1/api-keys?limit=1", first, "")
		one.wantStatus(t, http.StatusOK)
		var firstPage struct {
			Items      []apiKey `json:"items"`
			NextCursor string   `json:"nextCursor"`
		}
		one.decode(t, &firstPage)
		if len(firstPage.Items) != 1 || firstPage.Items[0].ID != created.ID || firstPage.NextCursor == "" {
			t.Fatalf("first page = %s", one.body)
		}
		rest := a.do(http.MethodGet, "/v1/api-keys?limit=1&cursor="+firstPage.NextCursor, first, "")
		rest.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(rest.body), `"name":"default"`) || !strings.Contains(string(rest.body), `"nextCursor":""`) {
			t.Fatalf("second page = %s", rest.body)
		}
		if got := a.do(http.MethodGet, "/v1/api-keys?limit=0", first, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed"); got.Fields["limit"] == "" {
			t.Errorf("limit=0: %+v", got)
		}
		if got := a.do(http.MethodGet, "/v1/api-keys?cursor=not-a-cursor!", first, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed"); got.Fields["cursor"] == "" {
			t.Errorf("bad cursor: %+v", got)
		}
		a.do(http.MethodGet, "/v1/api-keys", "", "").wantError(t, http.StatusUnauthorized, "unauthorized")
	})
}

func TestAPIKeys_CreateRefusesABadName(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"no name", `{}`, http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"blank name", `{"name": "  "}`, http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"name over two lines", `{"name": "ci\nprod"}`, http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"name too long", fmt.Sprintf(`{"name": %q}`, strings.Repeat("n", 101)), http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"name not a string", `{"name": 7}`, http.StatusBadRequest, "malformed_json", ""},
		{"unknown field", `{"name": "ci", "key": "lumo_mine"}`, http.StatusUnprocessableEntity, "validation_failed", "key"},
		{"malformed JSON", `{"name":`, http.StatusBadRequest, "malformed_json", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := a.do(http.MethodPost, "/v1/api-keys", key, c.body).wantError(t, c.status, c.code)
			if c.field != "" && got.Fields[c.field] == "" {
				t.Errorf("fields = %v, want one on %s", got.Fields, c.field)
			}
		})
	}
	list := a.do(http.MethodGet, "/v1/api-keys", key, "")
	if strings.Count(string(list.body), `"id"`) != 1 {
		t.Fatalf("a refused create made a key: %s", list.body)
	}
}

func TestAPIKeys_RevokeStopsTheKeyAtOnceAndKeepsTheLastLiveKey(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, first := a.workspace("acme")
		_, otherKey := a.workspace("other")
		second := a.createAPIKey(first, "ci")
		otherSecond := a.createAPIKey(otherKey, "theirs")

		revoke := func(key, id string) response { return a.do(http.MethodDelete, "/v1/api-keys/"+id, key, "") }

		// Another workspace's key, or none at all, is not found, and keeps working.
		revoke(first, otherSecond.ID).wantError(t, http.StatusNotFound, "not_found")
		revoke(first, "01a250a6-2041-7029-86f1-c4f574676801").wantError(t, http.StatusNotFound, "not_found")
		revoke(first, "not-an-id").wantError(t, http.StatusNotFound, "not_found")
		if !a.keyWorks(otherSecond.Key) {
			t.Fatal("another workspace's key stopped working")
		}

		res := revoke(first, second.ID)
		res.wantStatus(t, http.StatusOK)
		var revoked apiKey
		res.decode(t, &revoked)
		if revoked.ID != second.ID || revoked.RevokedAt == nil || revoked.Key != "" || strings.Contains(string(res.body), second.Key) {
			t.Fatalf("revoked = %s", res.body)
		}
		if a.keyWorks(second.Key) {
			t.Fatal("the revoked key still works")
		}
		// Revoking again changes nothing.
		again := revoke(first, second.ID)
		again.wantStatus(t, http.StatusOK)
		var revokedAgain apiKey
		again.decode(t, &revokedAgain)
		if revokedAgain.RevokedAt == nil || !revokedAgain.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Fatalf("revoking twice moved revokedAt: %v then %v", revoked.RevokedAt, revokedAgain.RevokedAt)
		}

		// The workspace's last live key: refused, and it still works.
		firstID := ""
		list := a.do(http.MethodGet, "/v1/api-keys", first, "")
		var page struct{ Items []apiKey }
		list.decode(t, &page)
		for _, k := range page.Items {
			if k.Name == "default" {
				firstID = k.ID
			}
		}
		got := revoke(first, firstID).wantError(t, http.StatusConflict, "conflict")
		if !strings.Contains(got.Message, "last live API key") {
			t.Errorf("409 message = %q", got.Message)
		}
		if !a.keyWorks(first) {
			t.Fatal("the refused revocation stopped the key")
		}

		// With another key made, a key may revoke itself; it stops at once.
		third := a.createAPIKey(first, "rotation")
		revoke(first, firstID).wantStatus(t, http.StatusOK)
		if a.keyWorks(first) {
			t.Fatal("the key that revoked itself still works")
		}
		if !a.keyWorks(third.Key) {
			t.Fatal("the key made to rotate to is refused")
		}
	})
}
