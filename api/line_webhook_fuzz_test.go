package api

import (
	"testing"
	"time"
)

// FuzzParseLineEvents feeds arbitrary bodies to the webhook's parser (the LINE SDK's
// callback request, then Lumo's reduction and checks). It never panics, every event it
// keeps has an ID, a user and a type Lumo acts on and passes the checks, and every
// event it rejects says why.
func FuzzParseLineEvents(f *testing.F) {
	seeds := []string{
		`{"destination": "U1", "events": []}`,
		`{"destination": "U1", "events": [{"type": "follow", "mode": "active", "timestamp": 1462629479859, "source": {"type": "user", "userId": "U4af4980629"}, "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR", "deliveryContext": {"isRedelivery": false}, "replyToken": "85cbe770fa8b4f45bbe077b1d4be4a36", "follow": {"isUnblocked": true}}]}`,
		`{"events": [{"type": "message", "mode": "active", "timestamp": 1462629479859, "source": {"type": "group", "groupId": "C1", "userId": "U2"}, "webhookEventId": "E2", "deliveryContext": {"isRedelivery": true}, "replyToken": "t", "message": {"id": "1", "type": "text", "quoteToken": "q", "text": "Hello"}}]}`,
		`{"events": [{"type": "message", "timestamp": 1, "source": {"type": "user", "userId": "U3"}, "webhookEventId": "E3", "message": {"id": "2", "type": "sticker", "packageId": "1", "stickerId": "1"}}]}`,
		`{"events": [{"type": "postback", "timestamp": 1, "source": {"type": "room", "roomId": "R", "userId": "U4"}, "webhookEventId": "E4", "postback": {"data": "action=buy", "params": {"date": "2026-11-23"}}}]}`,
		`{"events": [{"type": "videoPlayComplete", "timestamp": 1, "source": {"type": "user", "userId": "U5"}, "webhookEventId": "E5", "videoPlayComplete": {"trackingId": "promo"}}]}`,
		`{"events": [{"type": "unfollow", "timestamp": 1, "source": {"type": "user", "userId": "U6"}, "webhookEventId": "E6"}]}`,
		`{"events": [{"type": "beacon"}, {"type": "nonsense", "x": 1}, null, 1, "s"]}`,
		`{"events": {"type": "follow"}}`,
		`{"events": [{"type": "message", "message": null, "source": null}]}`,
		`{"events": [{"type": "message", "mode": "active", "timestamp": 1772366400000, "source": {"type": "group", "groupId": "Ca56f94637c6d2c2d2a8d1f4a4b6a5e00", "userId": "U4af4980629b4c6e2a9cc8b5f2a1b7c6d"}, "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR", "deliveryContext": {"isRedelivery": false}, "replyToken": "85cbe770fa8b4f45bbe077b1d4be4a36", "message": {"id": "1", "type": "text", "quoteToken": "q", "text": "Hello"}}]}`,
		`{"events": [{"type": "postback", "timestamp": 1772366400000, "source": {"type": "user", "userId": "U4af4980629b4c6e2a9cc8b5f2a1b7c6d"}, "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZS", "postback": {"data": "a=b", "params": {"date": "2026-03-01"}}}, {"type": "follow", "timestamp": "x"}]}`,
		`[]`, `null`, `{`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		events, rejected, err := parseLineEvents(body, now)
		if err != nil {
			return
		}
		for _, e := range events {
			source := lineSource{UserID: e.UserID}
			if e.ID == "" || !actedOn[e.Type] {
				t.Fatalf("kept an event Lumo cannot act on: %+v", e)
			}
			if field, problem := lineEventProblem(e, source, e.Timestamp.UnixMilli(), now); problem != "" {
				t.Fatalf("kept an event whose %s %s: %+v", field, problem, e)
			}
		}
		for _, r := range rejected {
			if r.key == "" || r.reason == "" || !actedOn[r.typ] {
				t.Fatalf("a rejected event without its key, reason or type: %+v", r)
			}
		}
	})
}
