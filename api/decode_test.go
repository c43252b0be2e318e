package api

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

type decodeNode struct {
	ID   string `json:"id" validate:"required"`
	Next string `json:"next"`
}

type decodeEmbedded struct {
	Description string `json:"description"`
}

type decodeDefinition struct {
	decodeEmbedded
	Name    string `json:"name" validate:"required"`
	Trigger *struct {
		Type string `json:"type"`
	} `json:"trigger"`
	Nodes   []decodeNode          `json:"nodes" validate:"dive"`
	Vars    map[string]decodeNode `json:"vars"`
	At      time.Time             `json:"at"`
	Raw     json.RawMessage       `json:"raw"`
	Any     any                   `json:"any"`
	Ignored string                `json:"-"`
}

func TestDecodeStrict_NamesUnknownKeysByTheirFullPath(t *testing.T) {
	cases := []struct {
		name string
		body string
		want map[string]string // nil: accepted
	}{
		{"all known", `{"name": "x", "description": "d", "trigger": {"type": "manual"}, "nodes": [{"id": "a", "next": "b"}],
			"vars": {"k": {"id": "v"}}, "at": "2025-01-02T03:04:05Z", "raw": {"Anything": 1}, "any": {"Goes": [1]}}`, nil},
		{"nulls everywhere", `{"name": "x", "trigger": null, "nodes": null, "vars": null, "raw": null, "any": null}`, nil},
		{"top level", `{"name": "x", "nmae": "y"}`, map[string]string{"nmae": "unknown field"}},
		{"field tagged -", `{"name": "x", "Ignored": "y", "-": 1}`, map[string]string{"Ignored": "unknown field", "-": "unknown field"}},
		{"embedded struct is not a key", `{"name": "x", "decodeEmbedded": {}}`, map[string]string{"decodeEmbedded": "unknown field"}},
		{"nested object", `{"name": "x", "trigger": {"Type": "manual"}}`, map[string]string{"trigger.Type": "unknown field"}},
		{"in a list", `{"name": "x", "nodes": [{"id": "a"}, {"id": "b", "nxt": "c"}]}`, map[string]string{"nodes[1].nxt": "unknown field"}},
		{"in a map", `{"name": "x", "vars": {"k": {"id": "v", "extra": true}}}`, map[string]string{"vars[k].extra": "unknown field"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var def decodeDefinition
			err := decodeStrict([]byte(tc.body), &def)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			apiErr, ok := err.(*Error)
			if !ok || apiErr.Code != CodeValidationFailed || fmt.Sprint(apiErr.Fields) != fmt.Sprint(tc.want) {
				t.Fatalf("err = %v, want validation_failed with %v", err, tc.want)
			}
		})
	}
}

func TestValidate_NamesNestedFieldsByJSONPath(t *testing.T) {
	v := newInputValidator()
	def := decodeDefinition{Nodes: []decodeNode{{ID: "a"}, {}}}
	err := v.check(&def)
	apiErr, ok := err.(*Error)
	want := map[string]string{"name": "required", "nodes[1].id": "required"}
	if !ok || fmt.Sprint(apiErr.Fields) != fmt.Sprint(want) {
		t.Fatalf("err = %v, want fields %v", err, want)
	}
}
