package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// badNameCharacters are the characters no name may hold: controls (line breaks among
// them) and the invisible marks that change the direction text is shown in.
var badNameCharacters = map[string]string{
	"NUL": "\x00", "US": "\x1f", "LF": "\n", "CR": "\r", "DEL": "\x7f", "NEL": "\u0085", "APC": "\u009f",
	"LRE": "\u202a", "RLO": "\u202e", "LRI": "\u2066", "PDI": "\u2069", "LRM": "\u200e", "RLM": "\u200f", "BOM": "\ufeff",
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Every kind of name, on every route that takes one, refuses a control or bidi
// character with a 422 naming the field.
func TestNames_ControlAndDirectionCharactersAre422NamingTheField(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db, withoutRateLimits()) // hundreds of requests, one key
		ws, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		friend, _, err := a.store.FollowFriend(context.Background(), ws, account.ID, lineUser(1), models.FriendProfile{DisplayName: "Mina"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		message := a.createAutoMessage(key, "Coupon")
		code := a.createQRCode(key, "Flyer", account.ID)
		flow := a.createWorkflow(key, welcomeDefinition("Welcome", account.ID))
		template := definition.Templates()[0].ID
		// welcomeDefinition quotes with %q, which is not JSON for every character.
		named := func(name string) string {
			return strings.Replace(welcomeDefinition("NAME", account.ID), `"NAME"`, jsonString(name), 1)
		}
		drafts := 0 // the tag step drafts are activated, so each needs a name of its own
		withTag := func(tag string) string {
			drafts++
			return strings.Replace(named(fmt.Sprintf("Tagging %d", drafts)), `"welcomed"`, jsonString(tag), 1)
		}

		kinds := []struct {
			name         string
			method, path string
			body         func(bad string) string
			field        string
			activate     bool // save the draft, then activate it: the 422 is activation's
		}{
			{"LINE account name", http.MethodPost, "/v1/line-accounts", func(bad string) string {
				return fmt.Sprintf(`{"name": %s, "channelId": "1650000009", "channelSecret": %q, "channelAccessToken": %q}`, jsonString(bad), sampleSecret, sampleToken)
			}, "name", false},
			{"LINE account rename", http.MethodPatch, "/v1/line-accounts/" + account.ID, func(bad string) string { return `{"name": ` + jsonString(bad) + `}` }, "name", false},
			{"auto message name", http.MethodPost, "/v1/auto-messages", func(bad string) string {
				return `{"name": ` + jsonString(bad) + `, "messages": [{"type": "text", "text": "Hi"}]}`
			}, "name", false},
			{"auto message rename", http.MethodPut, "/v1/auto-messages/" + message.ID, func(bad string) string {
				return `{"name": ` + jsonString(bad) + `, "messages": [{"type": "text", "text": "Hi"}]}`
			}, "name", false},
			{"QR code name", http.MethodPost, "/v1/qr-codes", func(bad string) string {
				return `{"name": ` + jsonString(bad) + `, "lineAccountId": "` + account.ID + `"}`
			}, "name", false},
			{"QR code campaign", http.MethodPost, "/v1/qr-codes", func(bad string) string {
				return `{"name": "Poster", "lineAccountId": "` + account.ID + `", "campaign": ` + jsonString(bad) + `}`
			}, "campaign", false},
			{"QR code rename", http.MethodPut, "/v1/qr-codes/" + code.ID, func(bad string) string {
				return `{"name": ` + jsonString(bad) + `, "lineAccountId": "` + account.ID + `"}`
			}, "name", false},
			{"friend tag", http.MethodPost, "/v1/friends/" + friend.ID + "/tags", func(bad string) string { return `{"tag": ` + jsonString(bad) + `}` }, "tag", false},
			{"workflow name", http.MethodPost, "/v1/workflows", named, "name", false},
			{"workflow rename", http.MethodPut, "/v1/workflows/" + flow.ID, named, "name", false},
			{"imported workflow name", http.MethodPost, "/v1/workflows/import", named, "name", false},
			{"workflow name from a template", http.MethodPost, "/v1/workflows/from-template", func(bad string) string {
				return `{"templateId": "` + template + `", "name": ` + jsonString(bad) + `}`
			}, "name", false},
			{"imported tag step", http.MethodPost, "/v1/workflows/import", withTag, "nodes[2].add[0]", false},
			{"activated tag step", http.MethodPost, "/v1/workflows", withTag, "nodes[2].add[0]", true},
		}
		for _, kind := range kinds {
			for charName, char := range badNameCharacters {
				t.Run(kind.name+"/"+charName, func(t *testing.T) {
					bad := "VIP" + char + "x"
					res := a.do(kind.method, kind.path, key, kind.body(bad))
					if kind.activate {
						res.wantStatus(t, http.StatusCreated)
						var w workflow
						res.decode(t, &w)
						res = a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "")
					}
					e := res.wantError(t, http.StatusUnprocessableEntity, "validation_failed")
					if problem := e.Fields[kind.field]; !strings.Contains(problem, "U+") {
						t.Fatalf("fields %v: %s does not name the character", e.Fields, kind.field)
					}
				})
			}
		}
		// Secret names have always been letters, digits, _ and -; the rule holds there too.
		for charName, char := range badNameCharacters {
			res := a.do(http.MethodPut, "/v1/secrets/"+url.PathEscape("signing"+char), key, `{"value": "s3cret"}`)
			if e := res.wantError(t, http.StatusUnprocessableEntity, "validation_failed"); e.Fields["name"] == "" {
				t.Errorf("secret name with %s: fields %v", charName, e.Fields)
			}
		}
	})
}
