package segments

import (
	"strings"
	"testing"
	"time"
)

// FuzzDefinition parses and validates arbitrary definitions: neither may panic, a valid
// definition must compile on both dialects (as a condition and as a count) with as many
// arguments as placeholders, and no text of the definition may reach the SQL except
// through an argument.
func FuzzDefinition(f *testing.F) {
	seeds := []string{
		`{"groups":[{"conditions":[{"property":"tag","op":"eq","value":"vip"}]}]}`,
		`{"groups":[{"conditions":[{"property":"friend_added_at","op":"after","value":"2026-01-01"},{"property":"blocked","op":"eq","value":false}]},{"conditions":[{"property":"shopify.orders_count","op":"gte","value":3}]}]}`,
		`{"groups":[{"conditions":[{"property":"field.drink","op":"contains_any","value":["coffee","%_"]}]}]}`,
		`{"groups":[{"conditions":[{"property":"hubspot.property.x'); DROP TABLE friends; --","op":"eq","value":"a"}]}]}`,
		`{"groups":[{"conditions":[{"property":"klaviyo.integrated","op":"integrated"}]}]}`,
		`{"groups":[{"conditions":[{"property":"shopify.days_since_last_order","op":"ne","value":40}]}]}`,
		`{"groups":[{"conditions":[{"property":"field.age","op":"eq","value":"42"}]}]}`,
		`{"groups":[{"conditions":[{"property":"workflow.enrolled","op":"ne","value":"w' OR 1=1"}]}]}`,
		`{"groups":[]}`,
		`{"groups":[{"conditions":[{"property":"tag","op":"eq","value":1e999}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	connected := Integrations{Shopify: true, HubSpot: true, Klaviyo: true}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition(data)
		if err != nil {
			return
		}
		problems := d.Validate(connected)
		_ = d.Summary()
		for _, dia := range []dialect{postgres, sqlite} {
			sql, args, err := compile(dia, "ws", d, now)
			if problems != nil {
				continue // an invalid definition may or may not compile; it is never run
			}
			if err != nil {
				t.Fatalf("valid definition does not compile: %v\n%s", err, data)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Fatalf("%d placeholders, %d arguments\n%s", n, len(args), sql)
			}
			count, countArgs, err := countSQL(dia, "ws", d, now)
			if err != nil {
				t.Fatalf("valid definition does not compile as a count: %v\n%s", err, data)
			}
			if n := strings.Count(count, "?"); n != len(countArgs) {
				t.Fatalf("count: %d placeholders, %d arguments\n%s", n, len(countArgs), count)
			}
			sql += count
			for _, g := range d.Groups {
				for _, c := range g.Conditions {
					_, name, _ := splitProperty(c.Property)
					// Names that could break out of SQL must never be in its text.
					if strings.ContainsAny(name, `'";()`) && strings.Contains(sql, name) {
						t.Fatalf("the name %q is in the SQL text\n%s", name, sql)
					}
				}
			}
		}
	})
}
