package definition

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseMessages_ReadsWhatASendMessageStepTakes(t *testing.T) {
	msgs, problems := ParseMessages([]byte(`[
		{"type": "text", "text": "Hi {{friend.displayName}}, {{ trigger.text }}"},
		{"type": "flex", "altText": "Menu", "contents": {"type": "bubble",   "body": {"type": "box"}}}
	]`))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(msgs) != 2 || msgs[0].Text != "Hi {{friend.displayName}}, {{ trigger.text }}" {
		t.Fatalf("messages = %+v", msgs)
	}
	// Canonical form: raw JSON compacted, as Parse leaves it.
	if got := string(msgs[1].Contents); got != `{"type":"bubble","body":{"type":"box"}}` {
		t.Errorf("contents = %s", got)
	}
}

func TestParseMessages_ReportsEveryProblemAtItsPath(t *testing.T) {
	cases := []struct {
		name, data, path, want string
	}{
		{"null", `null`, "messages", "required"},
		{"not an array", `{"type": "text"}`, "messages", "must be an array"},
		{"not JSON", `[{"type":`, "messages", "JSON array"},
		{"empty", `[]`, "messages", "at least 1"},
		{"six", `[` + strings.Repeat(`{"type":"text","text":"x"},`, 5) + `{"type":"text","text":"x"}]`, "messages", "6 items; the limit is 5"},
		{"text missing", `[{"type": "text"}]`, "messages[0].text", "required"},
		{"text too long", `[{"type": "text", "text": "` + strings.Repeat("a", 5001) + `"}]`, "messages[0].text", "5001 characters; the limit is 5000"},
		{"unknown type", `[{"type": "video"}]`, "messages[0].type", `"video" is not one of`},
		{"field of another type", `[{"type": "text", "text": "x", "altText": "y"}]`, "messages[0].altText", "a text message takes text, quickReply"},
		{"unknown field", `[{"type": "text", "text": "x", "colour": "red"}]`, "messages[0].colour", "unknown field"},
		{"empty key", `[{"type": "text", "text": "x", "": 1}]`, "messages[0]", `unknown field ""`},
		{"wrong JSON type", `[{"type": "text", "text": 5}]`, "messages[0].text", "must be a string, not a number"},
		{"duplicate key", `[{"type": "text", "text": "x", "text": "y"}]`, "messages[0]", `duplicate key "text"`},
		{"image over http", `[{"type": "image", "originalContentUrl": "http://x.example/a.jpg", "previewImageUrl": "https://x.example/a.jpg"}]`, "messages[0].originalContentUrl", "https"},
		{"confirm needs two actions", `[{"type": "template", "altText": "x", "template": {"type": "confirm", "text": "Sure?", "actions": [{"type": "message", "label": "Yes", "text": "yes"}]}}]`, "messages[0].template.actions", "exactly 2"},
		{"unknown friend name", `[{"type": "text", "text": "{{friend.age}}"}]`, "messages[0].text", `unknown name "friend.age"`},
		{"vars belong to a workflow", `[{"type": "text", "text": "{{vars.coupon}}"}]`, "messages[0].text", `"vars.coupon"`},
		{"unclosed placeholder", `[{"type": "text", "text": "Hi {{friend.displayName"}]`, "messages[0].text", "unclosed"},
		{"not an object", `["hello"]`, "messages[0]", "must be an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseMessages([]byte(tc.data))
			at := problems.At(tc.path)
			if len(at) == 0 || !strings.Contains(at[0].Message, tc.want) {
				t.Fatalf("problems at %s = %v, want %q; all: %v", tc.path, at, tc.want, problems)
			}
		})
	}
}

func TestParseMessages_TooDeepIsRefusedWithoutReading(t *testing.T) {
	deep := `[{"type": "flex", "altText": "x", "contents": ` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}]`
	msgs, problems := ParseMessages([]byte(deep))
	if msgs != nil || len(problems.At("messages")) != 1 || !strings.Contains(problems[0].Message, "levels deep") {
		t.Fatalf("messages %v, problems %v", msgs, problems)
	}
}

// FuzzParseMessages checks that ParseMessages never panics, reports problems with a path
// under "messages" and a message, and reads back what it wrote the same way.
func FuzzParseMessages(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `[]`, `{}`, `"x"`, `[1, null, "x", {}]`,
		`[{"type":"text","text":"Hi {{friend.displayName}}"}]`,
		`[{"type":"text","text":"{{ {{x}} }} {{","":1,"text":"y"}]`,
		`[{"type":"template","altText":"x","template":{"type":"carousel","columns":[{"text":"a","actions":[{"type":"uri","label":"l","uri":"tel:1"}]},{"text":"b","actions":[]}]}}]`,
		`[{"type":"flex","altText":"x","contents":{"type":"carousel","contents":[1]}}]`,
		`[{"type":"product","title":"t","price":"1","imageUrl":"https://x.example/i","url":"{{trigger.url}}"}]`,
		`[{"type":"text","text":"q","quickReply":{"items":[{"type":"action","action":{"type":"postback","label":"p","data":"d"}}]}}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, problems := ParseMessages(data)
		for _, p := range problems {
			if p.Message == "" || !strings.HasPrefix(p.Path, "messages") {
				t.Fatalf("problem without a message or outside messages: %+v", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		if len(msgs) < 1 || len(msgs) > 5 {
			t.Fatalf("%d messages without a problem", len(msgs))
		}
		out, err := json.Marshal(msgs)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, problems := ParseMessages(out)
		if len(problems) > 0 {
			t.Fatalf("what ParseMessages read back has problems: %v\n%s", problems, out)
		}
		if !reflect.DeepEqual(msgs, again) {
			t.Fatalf("ParseMessages(Marshal(m)) differs from m:\n%#v\n%#v", msgs, again)
		}
	})
}
