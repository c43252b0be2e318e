package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestDecode_MalformedJSONIs400SayingWhere(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name, body, wantInMessage string
	}{
		{"syntax error", `{"name": "x",}`, "offset 14"},
		{"cut short", `{"name": "x"`, "ends at byte offset"},
		{"wrong type", `{"name": "x", "channelId": 1650000000}`, `"channelId" must be a string, not number`},
		{"trailing object", `{"name": "x"} {"name": "y"}`, "after the JSON object"},
		{"trailing garbage", `{"name": "x"}garbage`, "after the JSON object"},
		{"array", `[{"name": "x"}]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"string", `"hello"`, "must be a JSON object"},
		{"not JSON at all", `name=x`, "invalid JSON"},
		{"empty", ` `, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.do(http.MethodPost, "/v1/line-accounts", key, tc.body).wantError(t, http.StatusBadRequest, "malformed_json")
			if !strings.Contains(got.Message, tc.wantInMessage) {
				t.Errorf("message %q does not say %q", got.Message, tc.wantInMessage)
			}
		})
	}
}

func TestDecode_UnknownFieldsAre422NamingEachOne(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	cases := []struct {
		name       string
		body       string
		wantFields map[string]string
	}{
		{
			name:       "misspelt",
			body:       `{"name": "Cafe", "channelId": "1650000000", "channelSecrett": "` + sampleSecret + `", "channelAccessToken": "t"}`,
			wantFields: map[string]string{"channelSecrett": "unknown field"},
		},
		{
			name:       "right name in the wrong case",
			body:       `{"NAME": "Cafe", "channelid": "1650000000", "channelSecret": "` + sampleSecret + `", "channelAccessToken": "t"}`,
			wantFields: map[string]string{"NAME": "unknown field", "channelid": "unknown field"},
		},
		{
			name:       "several at once",
			body:       `{"name": "Cafe", "extra": 1, "more": {"x": 1}}`,
			wantFields: map[string]string{"extra": "unknown field", "more": "unknown field"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.do(http.MethodPost, "/v1/line-accounts", key, tc.body).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
			if fmt.Sprint(got.Fields) != fmt.Sprint(tc.wantFields) {
				t.Errorf("fields = %v, want %v", got.Fields, tc.wantFields)
			}
		})
	}
}

// A key twice in one object would silently keep the last value: every body the API
// decodes strictly (its own bodies, workflow definitions, imports) refuses it with a 400
// naming the key by path.
func TestDecode_DuplicateKeysAre400NamingEachByPath(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	account2 := `"lineAccountId": "` + account.ID + `"`
	definition := `{"name": "Twice", "trigger": {"type": "manual"}, "start": "a", "nodes": [{"id": "a", "type": "delay", "duration": "1h"}]}`
	cases := []struct {
		name, method, path, body string
		field                    string
	}{
		{"LINE account", http.MethodPost, "/v1/line-accounts", `{"name": "Cafe", "name": "Other", "channelId": "1650000001", "channelSecret": "` + sampleSecret + `", "channelAccessToken": "t"}`, "name"},
		{"a field repeated three times", http.MethodPatch, "/v1/line-accounts/" + account.ID, `{"name": "a", "name": "b", "name": "c"}`, "name"},
		{"auto message, inside a message", http.MethodPost, "/v1/auto-messages", `{"name": "Coupon", "messages": [{"type": "text", "text": "a", "text": "b"}]}`, "messages[0].text"},
		{"QR code", http.MethodPost, "/v1/qr-codes", `{"name": "Flyer", ` + account2 + `, ` + account2 + `}`, "lineAccountId"},
		{"secret", http.MethodPut, "/v1/secrets/signing", `{"value": "a", "value": "b"}`, "value"},
		{"workflow definition", http.MethodPost, "/v1/workflows", strings.Replace(definition, `"1h"`, `"1h", "duration": "2h"`, 1), "nodes[0].duration"},
		{"workflow import", http.MethodPost, "/v1/workflows/import", strings.Replace(definition, `"name": "Twice"`, `"name": "Twice", "name": "Thrice"`, 1), "name"},
		{"two triggers", http.MethodPost, "/v1/workflows", strings.Replace(definition, `"trigger": {"type": "manual"}`, `"trigger": {"type": "manual"}, "trigger": {"type": "blocked"}`, 1), "trigger"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := a.do(tc.method, tc.path, key, tc.body).wantError(t, http.StatusBadRequest, "malformed_json")
			if problem := got.Fields[tc.field]; !strings.Contains(problem, "duplicate key") || len(got.Fields) != 1 {
				t.Errorf("fields = %v, want %s named as a duplicate key", got.Fields, tc.field)
			}
		})
	}
}
