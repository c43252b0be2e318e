package segments_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/segments"
)

func c(property, op, value string) segments.Condition {
	cond := segments.Condition{Property: property, Op: op}
	if value != "" {
		cond.Value = json.RawMessage(value)
	}
	return cond
}

func groups(gs ...[]segments.Condition) segments.Definition {
	d := segments.Definition{}
	for _, g := range gs {
		d.Groups = append(d.Groups, segments.Group{Conditions: g})
	}
	return d
}

var allConnected = segments.Integrations{Shopify: true, HubSpot: true, Klaviyo: true}

func TestValidate_NamesEveryProblemByPath(t *testing.T) {
	tests := []struct {
		name      string
		def       segments.Definition
		connected segments.Integrations
		want      map[string]string
	}{
		{"valid", groups([]segments.Condition{c("tag", "eq", `"vip"`), c("friend_added_at", "after", `"2026-01-01"`)}), segments.Integrations{}, nil},
		{"no groups", segments.Definition{}, allConnected, map[string]string{"groups": "needs at least 1 group"}},
		{"an empty group", groups([]segments.Condition{c("blocked", "eq", "true")}, nil), allConnected,
			map[string]string{"groups[1].conditions": "needs at least 1 condition"}},
		{"no property", groups([]segments.Condition{c("", "eq", `"x"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].property": "required"}},
		{"no op", groups([]segments.Condition{c("tag", "", `"x"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].op": "required"}},
		{"an op the property does not take", groups([]segments.Condition{c("tag", "gt", `"x"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].op": "tag takes the operators eq, ne, contains_any, contains_all, contains_none"}},
		{"no value", groups([]segments.Condition{c("tag", "eq", ``)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "required"}},
		{"null is no value", groups([]segments.Condition{c("tag", "eq", `null`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "required"}},
		{"a value where none is taken", groups([]segments.Condition{c("field.drink", "exists", `true`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "exists takes no value"}},
		{"not a date", groups([]segments.Condition{c("friend_added_at", "before", `"31/01/2026"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": `must be a date ("2026-01-31") or a time (RFC 3339)`}},
		{"not a calendar date", groups([]segments.Condition{c("friend_added_at", "before", `"2026-02-30"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": `must be a date ("2026-01-31") or a time (RFC 3339)`}},
		{"zero days", groups([]segments.Condition{c("friend_added_at", "within_days", `0`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a whole number of days from 1 to 36500"}},
		{"a fraction of a day", groups([]segments.Condition{c("friend_added_at", "within_days", `1.5`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a whole number of days from 1 to 36500"}},
		{"days as text", groups([]segments.Condition{c("shopify.abandoned_cart", "within_days", `"3"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a whole number of days from 1 to 36500"}},
		{"a negative count", groups([]segments.Condition{c("shopify.orders_count", "gte", `-1`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a whole number, 0 or more"}},
		{"a number as text", groups([]segments.Condition{c("field.age", "gt", `"3"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a number"}},
		{"a list where one value goes", groups([]segments.Condition{c("tag", "eq", `["a"]`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a string"}},
		{"one value where a list goes", groups([]segments.Condition{c("tag", "contains_any", `"a"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a list of strings"}},
		{"an empty list", groups([]segments.Condition{c("tag", "contains_all", `[]`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must list from 1 to 100 strings"}},
		{"a list item that is not a string", groups([]segments.Condition{c("hubspot.list", "contains_none", `["a", 2]`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "item 1 must be a string"}},
		{"an empty string", groups([]segments.Condition{c("line_account", "eq", `""`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must not be empty"}},
		{"blocked takes true or false", groups([]segments.Condition{c("blocked", "eq", `"yes"`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be true or false"}},
		{"an object as eq value", groups([]segments.Condition{c("field.x", "eq", `{"a":1}`)}), allConnected,
			map[string]string{"groups[0].conditions[0].value": "must be a string, a number or true/false"}},
		{"a field name that is not an identifier", groups([]segments.Condition{c("field.first name", "exists", ``)}), allConnected,
			map[string]string{"groups[0].conditions[0].property": "field.<name> needs a field name: a letter or _, then letters, digits or _ (at most 64)"}},
		{"field. without a name", groups([]segments.Condition{c("field.", "exists", ``)}), allConnected,
			map[string]string{"groups[0].conditions[0].property": "field.<name> needs a field name: a letter or _, then letters, digits or _ (at most 64)"}},
		{"a property without a name", groups([]segments.Condition{c("hubspot.property.", "exists", ``)}), allConnected,
			map[string]string{"groups[0].conditions[0].property": "hubspot.property.<name> needs a property name"}},
		{"services not connected, each by name", groups(
			[]segments.Condition{c("tag", "eq", `"vip"`), c("shopify.orders_count", "gt", `1`)},
			[]segments.Condition{c("klaviyo.list", "eq", `"K1"`), c("hubspot.property.x", "exists", ``)},
		), segments.Integrations{HubSpot: true}, map[string]string{
			"groups[0].conditions[1].property": "conditions for services that are not integrated cannot be used",
			"groups[1].conditions[0].property": "conditions for services that are not integrated cannot be used",
		}},
		{"several problems at once", groups(
			[]segments.Condition{c("nope", "eq", `1`), c("tag", "eq", `1`)},
			[]segments.Condition{c("blocked", "ne", `true`)},
		), allConnected, map[string]string{
			"groups[0].conditions[0].property": "",
			"groups[0].conditions[1].value":    "must be a string",
			"groups[1].conditions[0].op":       "blocked takes the operators eq",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.def.Validate(tt.connected)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %v", got, tt.want)
			}
			for path, want := range tt.want {
				problem, ok := got[path]
				if !ok || (want != "" && problem != want) {
					t.Errorf("%s: %q, want %q (all: %v)", path, problem, want, got)
				}
			}
		})
	}
}

func TestValidate_UnknownPropertyListsTheKnownOnes(t *testing.T) {
	problems := groups([]segments.Condition{c("friend_added", "before", `"2026-01-01"`)}).Validate(allConnected)
	problem := problems["groups[0].conditions[0].property"]
	for _, want := range []string{`unknown property "friend_added"`, "friend_added_at", "field.<name>", "klaviyo.property.<name>"} {
		if !strings.Contains(problem, want) {
			t.Errorf("problem %q does not mention %q", problem, want)
		}
	}
}

func TestValidate_Limits(t *testing.T) {
	many := make([]segments.Condition, segments.MaxConditions+1)
	for i := range many {
		many[i] = c("blocked", "eq", "false")
	}
	d := groups(many)
	if got := d.Validate(allConnected)["groups[0].conditions"]; got != "at most 20 conditions in a group" {
		t.Errorf("too many conditions: %q", got)
	}
	d = segments.Definition{}
	for range segments.MaxGroups + 1 {
		d.Groups = append(d.Groups, segments.Group{Conditions: many[:1]})
	}
	if got := d.Validate(allConnected)["groups"]; got != "at most 20 groups" {
		t.Errorf("too many groups: %q", got)
	}
	long := `"` + strings.Repeat("x", segments.MaxStringBytes+1) + `"`
	if got := groups([]segments.Condition{c("tag", "eq", long)}).Validate(allConnected); got["groups[0].conditions[0].value"] != "must be at most 500 bytes" {
		t.Errorf("a long value: %v", got)
	}
}

func TestParseDefinition_RefusesUnknownKeys(t *testing.T) {
	if _, err := segments.ParseDefinition([]byte(`{"groups":[{"conditons":[]}]}`)); err == nil {
		t.Error("a misspelt key was accepted")
	}
	if _, err := segments.ParseDefinition([]byte(`{"groups":[]} {}`)); err == nil {
		t.Error("a second value was accepted")
	}
	d, err := segments.ParseDefinition([]byte(`{"groups":[{"conditions":[{"property":"tag","op":"eq","value":"vip"}]}]}`))
	want := groups([]segments.Condition{c("tag", "eq", `"vip"`)})
	if err != nil || !reflect.DeepEqual(d, want) {
		t.Errorf("parse = %+v, %v", d, err)
	}
}

func TestSummary_SaysTheConditionsInWords(t *testing.T) {
	tests := []struct {
		def  segments.Definition
		want string
	}{
		{groups(
			[]segments.Condition{c("tag", "eq", `"vip"`), c("friend_added_at", "after", `"2026-01-01"`)},
			[]segments.Condition{c("shopify.orders_count", "gte", `3`)},
		), `tag "vip" and added after 2026-01-01, or Shopify orders ≥ 3`},
		{groups([]segments.Condition{c("tag", "contains_none", `["a", "b"]`), c("blocked", "eq", "false")}), `none of tags "a", "b" and not blocked`},
		{groups([]segments.Condition{c("field.drink", "eq", `"Tea"`), c("field.age", "gt", `20`), c("field.age", "eq", `20`)}),
			`field drink is "Tea" and field age > 20 and field age is 20`},
		{groups([]segments.Condition{c("friend_added_at", "within_days", `1`), c("shopify.abandoned_cart", "within_days", `3`)}),
			`added in the last 1 day and abandoned a Shopify cart in the last 3 days`},
		{groups([]segments.Condition{c("klaviyo.property.LINE User ID", "exists", ``), c("hubspot.integrated", "integrated", ``)}),
			`Klaviyo property "LINE User ID" is set and linked to HubSpot`},
		{groups([]segments.Condition{c("workflow.completed", "ne", `"w1"`), c("line_account", "contains_any", `["a1"]`)}),
			`has not completed workflow "w1" and on one of LINE accounts "a1"`},
		{groups([]segments.Condition{c("bogus", "eq", `1`)}), `bogus eq 1`},
		{segments.Definition{}, "nobody"},
	}
	for _, tt := range tests {
		if got := tt.def.Summary(); got != tt.want {
			t.Errorf("summary %q, want %q", got, tt.want)
		}
	}
}

// Every property takes at least one operator, and every operator is taken by some
// property: the closed lists agree.
func TestCatalogue_EveryPropertyHasOperatorsAndEveryOperatorAProperty(t *testing.T) {
	used := map[string]bool{}
	for _, p := range segments.Properties {
		ops := segments.OperatorsOf(p)
		if len(ops) == 0 {
			t.Errorf("%s takes no operator", p)
		}
		for _, op := range ops {
			used[op] = true
		}
	}
	for _, op := range segments.Operators {
		if !used[op] {
			t.Errorf("no property takes %s", op)
		}
	}
}
