package linefake_test

import (
	"net/http"
	"testing"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestAuth_BadTokenIs401AndNothingHappens(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	body := `{"to":"` + friend.UserID + `","messages":[{"type":"text","text":"x"}]}`

	tests := []struct {
		name          string
		authorization string
		wantMessage   string
	}{
		{"missing header", "", "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"},
		{"wrong scheme", "Basic " + testToken, "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"},
		{"unknown token", "Bearer not-a-token", "Authentication failed. Confirm that the access token in the authorization header is valid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.authorization != "" {
				header.Set("Authorization", tt.authorization)
			}
			status, e, _ := raw(t, srv, http.MethodPost, "/v2/bot/message/push", "", body, header)
			if status != http.StatusUnauthorized || e.Message != tt.wantMessage {
				t.Errorf("got %d %q, want 401 %q", status, e.Message, tt.wantMessage)
			}
		})
	}

	t.Run("SDK client with a wrong token", func(t *testing.T) {
		bot := client(t, srv, "wrong-token", nil)
		res, _, err := push(bot, friend.UserID, "", "x")
		if err == nil {
			t.Fatal("want an error")
		}
		wantStatus(t, res, http.StatusUnauthorized)
	})

	if got := len(srv.Delivered(friend.UserID)); got != 0 {
		t.Errorf("delivered %d, want 0", got)
	}
	for _, c := range srv.Calls() {
		if c.Channel != "" || c.Processed {
			t.Errorf("unauthenticated call recorded as %+v", c)
		}
	}
}

func TestAuth_EachTokenSendsAsItsOwnChannel(t *testing.T) {
	srv, first := start(t)
	second := srv.AddChannel("channel-token-2")
	friend := first.AddFriend(linefake.Profile{})
	second.AddFriend(friend) // the same user follows both accounts

	for _, ch := range []*linefake.Channel{first, second} {
		if _, _, err := push(client(t, srv, ch.Token(), nil), friend.UserID, "", ch.Token()); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Delivered(friend.UserID)
	if len(got) != 2 || got[0].Channel != first.Token() || got[1].Channel != second.Token() {
		t.Errorf("delivered %+v", got)
	}
}
