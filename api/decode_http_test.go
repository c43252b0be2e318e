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
