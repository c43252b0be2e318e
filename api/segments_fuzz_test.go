package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/lumoworkflows/lumo/segments"
)

// FuzzDecodeSegmentBodies feeds arbitrary bodies to the decoders of POST and PUT
// /v1/segments. Whatever the input, decoding (and judging the groups) never panics,
// every failure is a 400 (naming fields only for keys sent twice) or a 422 naming
// fields, and a PUT's folderId is "set" exactly when the body has the key, with no
// folder exactly when it is null or "".
func FuzzDecodeSegmentBodies(f *testing.F) {
	seeds := []string{
		`{"name": "VIPs", "groups": [{"conditions": [{"property": "tag", "op": "contains_any", "value": ["vip"]}]}]}`,
		`{"name": "x", "folderId": "f1", "groups": [{"conditions": [{"property": "friend_added_at", "op": "within_days", "value": 30}]}]}`,
		`{"folderId": null}`,
		`{"folderId": ""}`,
		`{"folderId": "f1"}`,
		`{"folderId": 7}`,
		`{"folderId": ["f1"]}`,
		`{"folderId": {"id": "f1"}}`,
		`{"folderId": true}`,
		`{"folderId": "a", "folderId": "b"}`,
		`{"groups": []}`,
		`{"groups": null}`,
		`{"groups": [{"conditions": [{"property": "shopify.orders_count", "op": "gte", "value": 2}]}]}`,
		`{"groups": [{"conditions": [{"property": "field.drink", "op": "eq", "value": {"x": 1}}]}]}`,
		`{"groups": [{"conditons": []}]}`,
		`{"name": "x\ny"}`,
		`{}`,
		`[1]`,
		`null`,
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	v := newInputValidator()
	f.Fuzz(func(t *testing.T, body []byte) {
		var create segmentBody
		if err := decodeAndValidate(v, body, &create); err != nil {
			wantDecodeError(t, body, err)
		} else {
			for _, connected := range []segments.Integrations{{}, {Shopify: true, HubSpot: true, Klaviyo: true}} {
				segments.Definition{Groups: create.Groups}.Validate(connected)
			}
		}

		var change segmentChange
		if err := decodeAndValidate(v, body, &change); err != nil {
			wantDecodeError(t, body, err)
			return
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(body, &keys); err != nil {
			t.Fatalf("%q: accepted, but is not an object: %v", body, err)
		}
		raw, present := keys["folderId"]
		if change.FolderID.Set != present {
			t.Fatalf("%q: folderId set = %v, but the key is present = %v", body, change.FolderID.Set, present)
		}
		unfiled := present && (bytes.Equal(raw, []byte("null")) || bytes.Equal(bytes.TrimSpace(raw), []byte(`""`)))
		if present && (change.FolderID.ID == nil) != unfiled {
			t.Fatalf("%q: folderId %v, want no folder = %v", body, change.FolderID.ID, unfiled)
		}
		if change.FolderID.ID != nil && *change.FolderID.ID == "" {
			t.Fatalf("%q: folderId is an empty ID rather than none", body)
		}
	})
}
