package workflows

import (
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

func TestEvaluate(t *testing.T) {
	friend := activities.FriendSnapshot{
		Tags:   []string{"vip", "coffee"},
		Fields: map[string]any{"drink": "Coffee", "age": 31.0, "city": "Osaka", "empty": ""},
	}
	cases := []struct {
		name string
		cond definition.Condition
		want bool
	}{
		{"tag present", definition.Condition{Tag: "vip"}, true},
		{"tag absent", definition.Condition{Tag: "tea"}, false},
		{"notTag", definition.Condition{NotTag: "tea"}, true},
		{"eq text", definition.Condition{Field: "drink", Op: "eq", Value: "Coffee"}, true},
		{"eq is exact", definition.Condition{Field: "drink", Op: "eq", Value: "coffee"}, false},
		{"ne", definition.Condition{Field: "drink", Op: "ne", Value: "Tea"}, true},
		{"ne on missing field", definition.Condition{Field: "nothing", Op: "ne", Value: "x"}, true},
		{"gt numbers as numbers", definition.Condition{Field: "age", Op: "gt", Value: 9.0}, true},
		{"lte numbers", definition.Condition{Field: "age", Op: "lte", Value: 31.0}, true},
		{"lt string value number", definition.Condition{Field: "age", Op: "lt", Value: "100"}, true},
		{"contains ignores case", definition.Condition{Field: "city", Op: "contains", Value: "saka"}, true},
		{"exists", definition.Condition{Field: "city", Op: "exists"}, true},
		{"exists empty", definition.Condition{Field: "empty", Op: "exists"}, false},
		{"missing field eq", definition.Condition{Field: "nothing", Op: "eq", Value: "x"}, false},
		{"all", definition.Condition{All: []definition.Condition{{Tag: "vip"}, {Field: "age", Op: "gte", Value: 18.0}}}, true},
		{"all one false", definition.Condition{All: []definition.Condition{{Tag: "vip"}, {Tag: "tea"}}}, false},
		{"any", definition.Condition{Any: []definition.Condition{{Tag: "tea"}, {Tag: "coffee"}}}, true},
		{"any none", definition.Condition{Any: []definition.Condition{{Tag: "tea"}, {NotTag: "vip"}}}, false},
		{"trigger value true", definition.Condition{Trigger: "isUnblocked", Op: "eq", Value: true}, true},
		{"trigger value false", definition.Condition{Trigger: "isUnblocked", Op: "eq", Value: false}, false},
		{"trigger text contains", definition.Condition{Trigger: "text", Op: "contains", Value: "hell"}, true},
		{"trigger value missing", definition.Condition{Trigger: "data", Op: "exists"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evaluate(tc.cond, friend, map[string]string{"isUnblocked": "true", "text": "Hello"})
			if err != nil || got != tc.want {
				t.Fatalf("evaluate = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := evaluate(definition.Condition{Segment: "s1"}, friend, nil); err == nil {
		t.Fatal("a segment condition evaluated although segments do not exist yet")
	}
}

func TestRenderMessages_FillsTemplatesAndMakesProductBubbles(t *testing.T) {
	lookup := func(name string) (string, bool) {
		values := map[string]string{"friend.displayName": "Mina", "vars.coupon": "SAVE10"}
		v, ok := values[name]
		return v, ok
	}
	messages := []definition.Message{
		{Type: "text", Text: "Hi {{friend.displayName}}, use {{ vars.coupon }} {{vars.unknown}}!"},
		{Type: "product", Title: "Beans for {{friend.displayName}}", Price: "¥1,200", ImageURL: "https://shop.example/b.jpg", URL: "https://shop.example/b"},
	}
	out, err := renderMessages(messages, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out[0]); got != `{"text":"Hi Mina, use SAVE10 !","type":"text"}` {
		t.Errorf("text = %s", got)
	}
	product := string(out[1])
	for _, want := range []string{`"type":"flex"`, `"altText":"Beans for Mina"`, `"type":"bubble"`, `"uri":"https://shop.example/b"`} {
		if !strings.Contains(product, want) {
			t.Errorf("product message lacks %s: %s", want, product)
		}
	}
}

// Every step kind of the language either runs here or is refused at activation; this
// lists which, so adding a kind to the language shows up here.
func TestSteps_CoverTheLanguage(t *testing.T) {
	unavailable := map[string]bool{
		definition.KindCustomerAgent:         true,
		definition.KindHubSpotUpdateProperty: true,
		definition.KindHubSpotAddToList:      true,
		definition.KindKlaviyoUpdateProperty: true,
		definition.KindKlaviyoAddToList:      true,
	}
	for _, kind := range definition.Kinds() {
		if Supports(kind) == unavailable[kind] {
			t.Errorf("kind %s: Supports = %v, but the list of unavailable kinds says %v", kind, Supports(kind), unavailable[kind])
		}
	}
	for _, kind := range SupportedKinds() {
		if _, ok := definition.LookupKind(kind); !ok {
			t.Errorf("the interpreter runs %s, which the language does not have", kind)
		}
	}
}
