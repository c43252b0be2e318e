package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeExecutionBodies feeds arbitrary bodies to the enrollment and reply decoders.
// Whatever the input, decoding never panics, every failure is a 400 (naming fields only
// for keys sent twice) or a 422 naming fields, and what passes names exactly one friend (or holds exactly one answer) within
// the limits, and passes again after a JSON round trip.
func FuzzDecodeExecutionBodies(f *testing.F) {
	seeds := []string{
		`{"friendId": "0196a1b2-0000-7000-8000-000000000001"}`,
		`{"lineUserId": "U4af4980629c2c3a3c1e7d1f4a4b6a5e0", "vars": {"coupon": "SPRING10"}}`,
		`{"friendId": "f", "lineUserId": "U4af4980629c2c3a3c1e7d1f4a4b6a5e0"}`,
		`{"lineUserId": "U4AF4980629C2C3A3C1E7D1F4A4B6A5E0"}`,
		`{"lineUserId": "U4af4980629c2c3a3c1e7d1f4a4b6a5e", "vars": {"": "x"}}`,
		`{"vars": {"a": null, "b": 1}}`,
		`{"vars": []}`,
		`{"text": "Coffee"}`,
		`{"postback": "drink=coffee"}`,
		`{"text": "Coffee", "postback": "drink=coffee"}`,
		`{"text": ""}`,
		`{"text": "\u0000\ud800"}`,
		`{}`,
		`{"friendId": null}`,
		`{"friendId": "x",}`,
		`{"friendId": "x"} {"friendId": "y"}`,
		`[1]`,
		`null`,
		"",
		`{"text": "x", "text": "y"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	v := newInputValidator()
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, err := decodeEnrollment(v, body); err != nil {
			wantDecodeError(t, body, err)
		} else {
			if (in.FriendID == "") == (in.LineUserID == "") {
				t.Fatalf("%q: accepted without exactly one friend: %+v", body, in)
			}
			if in.LineUserID != "" && !isLineUserID(in.LineUserID) {
				t.Fatalf("%q: accepted LINE user ID %q", body, in.LineUserID)
			}
			if len(in.Vars) > 50 {
				t.Fatalf("%q: accepted %d vars", body, len(in.Vars))
			}
			for name, value := range in.Vars {
				if name == "" || utf8.RuneCountInString(value) > 2000 {
					t.Fatalf("%q: accepted var %q of %d characters", body, name, utf8.RuneCountInString(value))
				}
			}
			again, _ := json.Marshal(in)
			if _, err := decodeEnrollment(v, again); err != nil {
				t.Fatalf("accepted %q, but not its round trip %q: %v", body, again, err)
			}
		}

		if in, err := decodeReply(v, body); err != nil {
			wantDecodeError(t, body, err)
		} else {
			if (in.Text == "") == (in.Postback == "") {
				t.Fatalf("%q: accepted without exactly one answer: %+v", body, in)
			}
			if utf8.RuneCountInString(in.Text) > 5000 || utf8.RuneCountInString(in.Postback) > 300 {
				t.Fatalf("%q: accepted an answer over its limit", body)
			}
			again, _ := json.Marshal(in)
			if _, err := decodeReply(v, again); err != nil {
				t.Fatalf("accepted %q, but not its round trip %q: %v", body, again, err)
			}
		}
	})
}

// onlyDuplicateKeys is true when fields names nothing, or only keys sent twice: the
// fields a 400 may carry.
func onlyDuplicateKeys(fields map[string]string) bool {
	for _, problem := range fields {
		if !strings.HasPrefix(problem, "duplicate key") {
			return false
		}
	}
	return true
}

// wantDecodeError fails t unless err is one of the two errors a body may earn before any
// handler logic: 400 malformed_json (naming at most keys sent twice), or 422
// validation_failed naming fields; both with a message and no blank path.
func wantDecodeError(t *testing.T, body []byte, err error) {
	t.Helper()
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("%q: error %v (%T) is not an *Error", body, err, err)
	}
	switch {
	case apiErr.Status == http.StatusBadRequest && apiErr.Code == CodeMalformedJSON && onlyDuplicateKeys(apiErr.Fields):
	case apiErr.Status == http.StatusUnprocessableEntity && apiErr.Code == CodeValidationFailed && len(apiErr.Fields) > 0:
	default:
		t.Fatalf("%q: unexpected error %+v", body, apiErr)
	}
	if _, blank := apiErr.Fields[""]; blank {
		t.Fatalf("%q: a problem without a path: %+v", body, apiErr)
	}
	if apiErr.Message == "" {
		t.Fatalf("%q: error without a message", body)
	}
}
