package workflows

import (
	"slices"
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
			got, err := evaluate(tc.cond, friend, map[string]string{"isUnblocked": "true", "text": "Hello"}, noSegments(t))
			if err != nil || got != tc.want {
				t.Fatalf("evaluate = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// noSegments is the membership reader of conditions that name no segment.
func noSegments(t *testing.T) func(string) (bool, error) {
	return func(id string) (bool, error) {
		t.Errorf("segment %q read, but no condition names it", id)
		return false, nil
	}
}

func TestEvaluate_SegmentConditionsAskForMembershipOnlyWhenReached(t *testing.T) {
	friend := activities.FriendSnapshot{Tags: []string{"vip"}}
	members := map[string]bool{"seg_in": true, "seg_out": false}
	cases := []struct {
		name string
		cond definition.Condition
		want bool
		read []string
	}{
		{"member", definition.Condition{Segment: "seg_in"}, true, []string{"seg_in"}},
		{"not a member", definition.Condition{Segment: "seg_out"}, false, []string{"seg_out"}},
		{"all with a tag", definition.Condition{All: []definition.Condition{{Tag: "vip"}, {Segment: "seg_in"}}}, true, []string{"seg_in"}},
		{"all stops at the first false", definition.Condition{All: []definition.Condition{{Tag: "tea"}, {Segment: "seg_in"}}}, false, nil},
		{"any stops at the first true", definition.Condition{Any: []definition.Condition{{Segment: "seg_in"}, {Segment: "seg_out"}}}, true, []string{"seg_in"}},
		{"any reads on", definition.Condition{Any: []definition.Condition{{Segment: "seg_out"}, {Segment: "seg_in"}}}, true, []string{"seg_out", "seg_in"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var read []string
			got, err := evaluate(tc.cond, friend, nil, func(id string) (bool, error) {
				read = append(read, id)
				return members[id], nil
			})
			if err != nil || got != tc.want {
				t.Fatalf("evaluate = %v, %v; want %v", got, err, tc.want)
			}
			if !slices.Equal(read, tc.read) {
				t.Errorf("read segments %v, want %v", read, tc.read)
			}
		})
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
