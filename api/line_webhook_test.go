package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// The webhook's answers that do not need the engine; events reaching Temporal are
// tested end to end in the e2e package.
func TestLineWebhook_Answers(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		follow := `{"destination": "U1", "events": [{"type": "follow", "mode": "active", "timestamp": 1462629479859,
			"source": {"type": "user", "userId": "U4af4980629b4c6e2a9cc8b5f2a1b7c6d"}, "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
			"deliveryContext": {"isRedelivery": false}, "replyToken": "r", "follow": {"isUnblocked": false}}]}`
		sign := func(body, secret string) string {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(body))
			return base64.StdEncoding.EncodeToString(mac.Sum(nil))
		}
		cases := []struct {
			name      string
			account   string
			body      string
			signature string
			status    int
		}{
			{"empty events: LINE's verify", account.ID, `{"destination": "U1", "events": []}`, sign(`{"destination": "U1", "events": []}`, sampleSecret), http.StatusOK},
			{"only events Lumo ignores", account.ID, `{"events": [{"type": "beacon", "timestamp": 1, "source": {"type": "user", "userId": "U1"}, "webhookEventId": "E"}]}`,
				sign(`{"events": [{"type": "beacon", "timestamp": 1, "source": {"type": "user", "userId": "U1"}, "webhookEventId": "E"}]}`, sampleSecret), http.StatusOK},
			{"no signature", account.ID, follow, "", http.StatusUnauthorized},
			{"signature of another secret", account.ID, follow, sign(follow, strings.Repeat("0", 32)), http.StatusUnauthorized},
			{"signature of another body", account.ID, follow, sign(follow+" ", sampleSecret), http.StatusUnauthorized},
			{"signed but not JSON", account.ID, `{"events": [`, sign(`{"events": [`, sampleSecret), http.StatusBadRequest},
			{"unknown account", "01a20000-0000-7000-8000-000000000000", follow, sign(follow, sampleSecret), http.StatusNotFound},
			{"events but no engine to take them", account.ID, follow, sign(follow, sampleSecret), http.StatusServiceUnavailable},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/webhooks/line/"+c.account, bytes.NewReader([]byte(c.body)))
				if err != nil {
					t.Fatal(err)
				}
				if c.signature != "" {
					req.Header.Set("x-line-signature", c.signature)
				}
				res := a.send(req)
				if res.status != c.status {
					t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
				}
			})
		}
	})
}
