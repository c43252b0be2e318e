package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
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

// lineInbox stands in for Temporal behind the webhook: it records what the webhook
// hands over. What Temporal then does with the events is tested end to end (e2e).
type lineInbox struct {
	api.Engine // the routes this test does not call
	mu         sync.Mutex
	delivered  []models.LineEvent
}

func (l *lineInbox) DeliverLineEvents(_ context.Context, _, _ string, events []models.LineEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delivered = append(l.delivered, events...)
	return nil
}

func (l *lineInbox) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, e := range l.delivered {
		ids = append(ids, e.ID)
	}
	return ids
}

func withEngine(e api.Engine) option { return func(d *api.Deps) { d.Engine = e } }

// signedWebhook posts body to the account's webhook, signed with the sample secret.
func (a *testAPI) signedWebhook(accountID string, body []byte) response {
	a.t.Helper()
	mac := hmac.New(sha256.New, []byte(sampleSecret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/webhooks/line/"+accountID, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("x-line-signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return a.send(req)
}

// A delivery with events LINE would never send (found from outside: a 100,000-character
// userId was a 500, a timestamp past the year 9999 a 503, and LINE redelivered the batch
// for ever) is acknowledged: the bad events are dropped and recorded, the good one is
// handed over once, and a redelivery records nothing twice.
func TestLineWebhook_DropsAndRecordsBadEventsAndActsOnTheRest(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		inbox := &lineInbox{}
		a := newTestAPI(t, db, withEngine(inbox))
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		const user = "U4af4980629b4c6e2a9cc8b5f2a1b7c6d"
		now := time.Now()
		event := func(id string, change func(map[string]any)) map[string]any {
			e := map[string]any{
				"type": "message", "mode": "active", "timestamp": now.UnixMilli(),
				"source": map[string]any{"type": "user", "userId": user}, "webhookEventId": id,
				"deliveryContext": map[string]any{"isRedelivery": false}, "replyToken": "85cbe770fa8b4f45bbe077b1d4be4a36",
				"message": map[string]any{"id": "1", "type": "text", "quoteToken": "q", "text": "hello"},
			}
			if change != nil {
				change(e)
			}
			return e
		}
		cases := []struct {
			name   string
			change func(map[string]any)
			field  string
		}{
			{"a 100,000-character userId", func(e map[string]any) {
				e["source"] = map[string]any{"type": "user", "userId": "U" + strings.Repeat("a", 99999)}
			}, "source.userId"},
			{"a userId in upper case", func(e map[string]any) { e["source"] = map[string]any{"type": "user", "userId": strings.ToUpper(user)} }, "source.userId"},
			{"a timestamp past the year 9999", func(e map[string]any) { e["timestamp"] = int64(253402300800000) }, "timestamp"},
			{"a timestamp before LINE", func(e map[string]any) { e["timestamp"] = 1000 }, "timestamp"},
			{"a negative timestamp", func(e map[string]any) { e["timestamp"] = -62135596800000 }, "timestamp"},
			{"a timestamp an hour ahead", func(e map[string]any) { e["timestamp"] = now.Add(time.Hour).UnixMilli() }, "timestamp"},
			{"a timestamp that is not a number", func(e map[string]any) { e["timestamp"] = "yesterday" }, ""},
			{"a group ID that is not LINE's", func(e map[string]any) {
				e["source"] = map[string]any{"type": "group", "groupId": "C" + strings.Repeat("0", 5000), "userId": user}
			}, "source.groupId"},
			{"a room ID that is not LINE's", func(e map[string]any) {
				e["source"] = map[string]any{"type": "room", "roomId": "Rxyz", "userId": user}
			}, "source.roomId"},
			{"a webhookEventId of 100,000 characters", func(e map[string]any) { e["webhookEventId"] = strings.Repeat("0", 100000) }, "webhookEventId"},
			{"no webhookEventId", func(e map[string]any) { delete(e, "webhookEventId") }, "webhookEventId"},
			{"a replyToken of 100,000 characters", func(e map[string]any) { e["replyToken"] = strings.Repeat("f", 100000) }, "replyToken"},
			{"a replyToken with a line break", func(e map[string]any) { e["replyToken"] = "abc\r\ndef" }, "replyToken"},
			{"a text of 100,000 characters", func(e map[string]any) {
				e["message"] = map[string]any{"id": "1", "type": "text", "quoteToken": "q", "text": strings.Repeat("あ", 100000)}
			}, "message.text"},
			{"a text with NUL", func(e map[string]any) {
				e["message"] = map[string]any{"id": "1", "type": "text", "quoteToken": "q", "text": "a\x00b"}
			}, "message.text"},
			{"postback data of 301 characters", func(e map[string]any) {
				delete(e, "message")
				e["type"], e["postback"] = "postback", map[string]any{"data": strings.Repeat("d", 301)}
			}, "postback.data"},
			{"a postback param of 100,000 characters", func(e map[string]any) {
				delete(e, "message")
				e["type"], e["postback"] = "postback", map[string]any{"data": "d", "params": map[string]string{"date": strings.Repeat("2", 100000)}}
			}, "postback.params.date"},
			{"a trackingId of 101 characters", func(e map[string]any) {
				delete(e, "message")
				e["type"], e["videoPlayComplete"] = "videoPlayComplete", map[string]any{"trackingId": strings.Repeat("t", 101)}
			}, "videoPlayComplete.trackingId"},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				good := event(fmt.Sprintf("01G00D%020d", i), func(e map[string]any) {
					e["somethingLINEAddsLater"] = map[string]any{"x": 1} // LINE's format: unknown keys are fine
				})
				bad := event(fmt.Sprintf("01BAD0%020d", i), c.change)
				body, err := json.Marshal(map[string]any{"destination": "U0000000000000000000000000000000f", "events": []any{bad, good}})
				if err != nil {
					t.Fatal(err)
				}
				before, rejectedBefore := len(inbox.ids()), len(a.rejectedEvents(key, account.ID))
				for attempt := range 2 { // the delivery, then LINE's redelivery of it
					res := a.signedWebhook(account.ID, body)
					res.wantStatus(t, http.StatusOK)
					if got := inbox.ids()[before:]; len(got) != 1 || got[0] != good["webhookEventId"] {
						t.Fatalf("attempt %d: handed over %d events (%.80q), want only the good event %s", attempt, len(got), got, good["webhookEventId"])
					}
				}
				rejected := a.rejectedEvents(key, account.ID)
				if len(rejected) != rejectedBefore+1 {
					t.Fatalf("%d rejected events recorded, want 1: %+v", len(rejected)-rejectedBefore, rejected)
				}
				mine := rejected[:1] // newest first
				if want := "events[0]." + c.field; c.field != "" && !strings.HasPrefix(mine[0].Reason, want+": ") || c.field == "" && !strings.HasPrefix(mine[0].Reason, "events[0]: ") {
					t.Errorf("reason %q does not name %q", mine[0].Reason, c.field)
				}
				if mine[0].Type != bad["type"] || len(mine[0].Event) == 0 || len(mine[0].Event) > 4096 {
					t.Errorf("recorded %+v", mine[0])
				}
			})
		}
		if logged := a.logs.records(t, "LINE webhook event rejected"); len(logged) != len(cases) {
			t.Errorf("%d log lines for %d rejected events (each logged once)", len(logged), len(cases))
		}
	})
}

type rejectedEvent struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Reason     string    `json:"reason"`
	Event      string    `json:"event"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// rejectedEvents lists every event dropped from the account's deliveries, newest first,
// as an operator sees them.
func (a *testAPI) rejectedEvents(key, accountID string) []rejectedEvent {
	a.t.Helper()
	res := a.do(http.MethodGet, "/v1/line-accounts/"+accountID+"/rejected-events?limit=200", key, "")
	res.wantStatus(a.t, http.StatusOK)
	var list struct {
		Items []rejectedEvent `json:"items"`
	}
	res.decode(a.t, &list)
	return list.Items
}

// LINE's body is LINE's format, not the API's: keys LINE adds, or sends twice, do not
// make Lumo drop an event (the strict decoder is for the API's own bodies).
func TestLineWebhook_ReadsLINEsFormatLeniently(t *testing.T) {
	inbox := &lineInbox{}
	a := newTestAPI(t, testenv.SQLite(t), withEngine(inbox))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	body := fmt.Sprintf(`{"destination": "U0000000000000000000000000000000f", "newTopLevel": true, "events": [{"type": "follow", "mode": "active", "mode": "active",
		"timestamp": %d, "source": {"type": "user", "userId": "U4af4980629b4c6e2a9cc8b5f2a1b7c6d", "newSourceField": 1},
		"webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR", "deliveryContext": {"isRedelivery": false}, "follow": {"isUnblocked": false, "later": "x"}}]}`, time.Now().UnixMilli())
	a.signedWebhook(account.ID, []byte(body)).wantStatus(t, http.StatusOK)
	if got := inbox.ids(); len(got) != 1 || got[0] != "01FZ74A0TDDPYRVKNK77XKC3ZR" {
		t.Fatalf("handed over %q, want the follow", got)
	}
	if rejected := a.rejectedEvents(key, account.ID); len(rejected) != 0 {
		t.Fatalf("rejected %+v", rejected)
	}
}
