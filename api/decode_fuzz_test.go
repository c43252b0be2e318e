package api

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeLineAccount feeds arbitrary bodies to the create and update decoders. Whatever
// the input, decoding never panics, every failure is a 400 or 422 *Error, and what passes
// is a value the validator accepts again after a JSON round trip.
func FuzzDecodeLineAccount(f *testing.F) {
	seeds := []string{
		`{"name": "Cafe Lumo", "channelId": "1650000000", "channelSecret": "8c4b0b5d2f0e4a6b9c1d3e5f7a9b1c3d", "channelAccessToken": "tok+/="}`,
		`{}`,
		`{"name": null}`,
		`{"name": "x",}`,
		`{"name": "x"} {"name": "y"}`,
		`{"channelId": 1}`,
		`{"channelSecrett": "x"}`,
		`{"name": "\u0000", "channelId": "-1"}`,
		`[1, 2]`,
		`null`,
		`"\ud800"`,
		`{"name": "あ", "channelAccessToken": "a b"}`,
		`{"name": {"nested": [1, {"deep": true}]}}`,
		"",
		"   \n",
		`{"name": "x", "name": 5}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	v := newInputValidator()
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(dst any) {
			err := decodeAndValidate(v, body, dst)
			if err == nil {
				again, merr := json.Marshal(dst)
				if merr != nil {
					t.Fatalf("accepted value does not encode: %v", merr)
				}
				fresh := newLike(dst)
				if err := decodeAndValidate(v, again, fresh); err != nil {
					t.Fatalf("accepted %q, but not its round trip %q: %v", body, again, err)
				}
				return
			}
			wantDecodeError(t, body, err)
		}
		check(&lineAccountCreate{})
		check(&lineAccountUpdate{})
	})
}

func newLike(dst any) any {
	switch dst.(type) {
	case *lineAccountCreate:
		return &lineAccountCreate{}
	case *lineAccountUpdate:
		return &lineAccountUpdate{}
	}
	panic("newLike: unknown type")
}
