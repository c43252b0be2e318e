package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

// bigAccountBody is a well-formed create body of about n bytes, so that only its size is
// wrong.
func bigAccountBody(n int) string {
	return `{"name": "` + strings.Repeat("x", n) + `", "channelId": "1", "channelSecret": "` + sampleSecret + `", "channelAccessToken": "t"}`
}

func TestBodyLimit_TwoMiBBodyIs413(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	body := bigAccountBody(2 << 20)

	cases := []struct {
		name    string
		request func() *http.Request
	}{
		{"with Content-Length", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v1/line-accounts", strings.NewReader(body))
			return req
		}},
		{"chunked, without Content-Length", func() *http.Request {
			// A reader of unknown length makes the client stream the body chunked.
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v1/line-accounts", io.MultiReader(strings.NewReader(body)))
			req.ContentLength = -1
			return req
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.request()
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			got := a.send(req).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
			if !strings.Contains(got.Message, "1048576 bytes") {
				t.Errorf("message %q does not give the limit", got.Message)
			}
		})
	}
}

func TestBodyLimit_ComesFromConfig(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t), withBodyLimit(400))
	_, key := a.workspace("acme")

	// Under the limit the body reaches validation: 422 for the too-long name, not 413.
	got := a.do(http.MethodPost, "/v1/line-accounts", key, bigAccountBody(101)).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if got.Fields["name"] != "must be at most 100 characters" {
		t.Errorf("fields = %v", got.Fields)
	}
	a.do(http.MethodPost, "/v1/line-accounts", key, bigAccountBody(401)).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
}
