package definition_test

import (
	"testing"

	"github.com/lumoworkflows/lumo/definition"
)

func TestTrigger_Accepts(t *testing.T) {
	keywords := func(mode string, k ...string) *definition.KeywordMatch {
		return &definition.KeywordMatch{Mode: mode, Keywords: k}
	}
	cases := []struct {
		name    string
		trigger definition.Trigger
		event   definition.TriggerEvent
		want    bool
	}{
		{"other type", definition.Trigger{Type: "friend_added"}, definition.TriggerEvent{Type: "blocked"}, false},
		{"friend added", definition.Trigger{Type: "friend_added"}, definition.TriggerEvent{Type: "friend_added"}, true},
		{"any message without match", definition.Trigger{Type: "message_received"}, definition.TriggerEvent{Type: "message_received", Text: "hi"}, true},
		{"exact ignores case and spaces", definition.Trigger{Type: "message_received", Match: keywords("exact", "Coupon")}, definition.TriggerEvent{Type: "message_received", Text: "  coupon "}, true},
		{"exact is not contains", definition.Trigger{Type: "message_received", Match: keywords("exact", "coupon")}, definition.TriggerEvent{Type: "message_received", Text: "my coupon"}, false},
		{"contains", definition.Trigger{Type: "message_received", Match: keywords("contains", "sale", "COUPON")}, definition.TriggerEvent{Type: "message_received", Text: "Any Coupon today?"}, true},
		{"contains misses", definition.Trigger{Type: "message_received", Match: keywords("contains", "sale")}, definition.TriggerEvent{Type: "message_received", Text: "hello"}, false},
		{"regex anywhere", definition.Trigger{Type: "message_received", Match: keywords("regex", `\d{4}`)}, definition.TriggerEvent{Type: "message_received", Text: "code 2026 please"}, true},
		{"regex anchored", definition.Trigger{Type: "message_received", Match: keywords("regex", `^\d{4}$`)}, definition.TriggerEvent{Type: "message_received", Text: "code 2026"}, false},
		{"broken regex matches nothing", definition.Trigger{Type: "message_received", Match: keywords("regex", `(`)}, definition.TriggerEvent{Type: "message_received", Text: "("}, false},
		{"postback prefix", definition.Trigger{Type: "postback_received", Data: "action=buy"}, definition.TriggerEvent{Type: "postback_received", Data: "action=buy&item=1"}, true},
		{"postback other", definition.Trigger{Type: "postback_received", Data: "action=buy"}, definition.TriggerEvent{Type: "postback_received", Data: "action=sell"}, false},
		{"video tracking ID", definition.Trigger{Type: "video_view_completed", TrackingID: "promo"}, definition.TriggerEvent{Type: "video_view_completed", TrackingID: "promo"}, true},
		{"video other", definition.Trigger{Type: "video_view_completed", TrackingID: "promo"}, definition.TriggerEvent{Type: "video_view_completed", TrackingID: "intro"}, false},
		{"any QR code", definition.Trigger{Type: "qr_code_scanned"}, definition.TriggerEvent{Type: "qr_code_scanned", QRCodeID: "q1"}, true},
		{"that QR code", definition.Trigger{Type: "qr_code_scanned", QRCodeID: "q1"}, definition.TriggerEvent{Type: "qr_code_scanned", QRCodeID: "q2"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.trigger.Accepts(c.event); got != c.want {
				t.Fatalf("Accepts = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParse_AcceptsATriggerCondition(t *testing.T) {
	doc := `{"name": "x", "trigger": {"type": "friend_added"}, "start": "a", "nodes": [
		{"id": "a", "type": "branch", "branches": [{"when": {"trigger": "isUnblocked", "op": "eq", "value": true}, "next": "b"}]},
		{"id": "b", "type": "tag", "add": ["returning"]}]}`
	d, problems := definition.Parse([]byte(doc), definition.DefaultLimits)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if got := d.Nodes[0].(*definition.Branch).Branches[0].When.Trigger; got != "isUnblocked" {
		t.Fatalf("condition trigger = %q", got)
	}
}
