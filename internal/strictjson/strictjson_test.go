package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/internal/strictjson"
)

type node struct {
	ID   string `json:"id"`
	Next string `json:"next,omitempty"`
}

type file struct {
	Name  string            `json:"name"`
	Nodes []node            `json:"nodes"`
	Vars  map[string]node   `json:"vars"`
	Raw   map[string]any    `json:"raw"`
	Tags  map[string]string `json:"tags"`
}

func TestDecode_ReportsEveryUnknownKeyByPath(t *testing.T) {
	body := `{"name":"x","NAME":"y","nodes":[{"id":"a"},{"id":"b","nxt":"a"}],"vars":{"k":{"id":"c","extra":1}},"raw":{"anything":1}}`
	var f file
	err := strictjson.Decode([]byte(body), &f)
	var unknown *strictjson.UnknownFieldsError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want UnknownFieldsError", err)
	}
	want := map[string]string{"NAME": "unknown field", "nodes[1].nxt": "unknown field", "vars[k].extra": "unknown field"}
	if !reflect.DeepEqual(unknown.Fields, want) {
		t.Fatalf("unknown = %v, want %v", unknown.Fields, want)
	}
}

func TestDecode_RefusesWhatIsNotOneObject(t *testing.T) {
	cases := map[string]string{
		"empty":          "",
		"null":           "null",
		"array":          "[]",
		"truncated":      `{"name":`,
		"trailing data":  `{"name":"x"} {}`,
		"wrong type":     `{"name": 3}`,
		"not JSON":       `name=x`,
		"nested wrong":   `{"nodes":[{"id":true}]}`,
		"trailing comma": `{"name":"x",}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			var f file
			err := strictjson.Decode([]byte(body), &f)
			var syntax *strictjson.SyntaxError
			if !errors.As(err, &syntax) || syntax.Message == "" {
				t.Fatalf("err = %v, want a SyntaxError with a message", err)
			}
		})
	}
}

func TestUnknownKeys_PrefixesPaths(t *testing.T) {
	got := strictjson.UnknownKeys([]byte(`{"id":"a","bogus":1}`), reflect.TypeFor[node](), "nodes[3]")
	if len(got) != 1 || !strings.HasPrefix(firstKey(got), "nodes[3].bogus") {
		t.Fatalf("got %v", got)
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestDecode_RefusesDuplicateKeysNamingEachByPath(t *testing.T) {
	cases := []struct {
		name, body string
		want       map[string]string
	}{
		{"top level", `{"name":"x","name":"y"}`, map[string]string{"name": "duplicate key: keep one"}},
		{"three times", `{"name":"x","name":"y","name":"z"}`, map[string]string{"name": "duplicate key: keep one"}},
		{"in an array item", `{"nodes":[{"id":"a"},{"id":"b","next":"a","next":"c"}]}`, map[string]string{"nodes[1].next": "duplicate key: keep one"}},
		{"in a map value", `{"vars":{"k":{"id":"c","id":"d"}}}`, map[string]string{"vars[k].id": "duplicate key: keep one"}},
		{"a map key twice", `{"tags":{"a":"1","a":"2"}}`, map[string]string{"tags[a]": "duplicate key: keep one"}},
		{"inside free-form JSON", `{"raw":{"x":{"y":1,"y":2}}}`, map[string]string{"raw[x].y": "duplicate key: keep one"}},
		{"several at once", `{"name":"x","name":"y","nodes":[{"id":"a","id":"b"}]}`, map[string]string{"name": "duplicate key: keep one", "nodes[0].id": "duplicate key: keep one"}},
		{"an empty key twice", `{"raw":{"":1,"":2}}`, map[string]string{`raw[]`: "duplicate key: keep one"}},
		{"an empty key twice at the top", `{"name":"x","":1,"":2}`, map[string]string{`[""]`: "duplicate key: keep one"}},
		{"a dotted key twice", `{"a.b":1,"a.b":2}`, map[string]string{`["a.b"]`: "duplicate key: keep one"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f file
			err := strictjson.Decode([]byte(c.body), &f)
			var dup *strictjson.DuplicateKeysError
			if !errors.As(err, &dup) {
				t.Fatalf("err = %v, want DuplicateKeysError", err)
			}
			if !reflect.DeepEqual(dup.Fields, c.want) {
				t.Fatalf("fields = %v, want %v", dup.Fields, c.want)
			}
			if !strings.Contains(dup.Error(), "duplicate key") {
				t.Fatalf("message %q", dup.Error())
			}
		})
	}
	// The same key in different objects, or differently cased, is no duplicate.
	for _, body := range []string{`{"nodes":[{"id":"a"},{"id":"b"}]}`, `{"tags":{"a":"1","A":"2"}}`} {
		var f file
		if err := strictjson.Decode([]byte(body), &f); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// FuzzDecode: any input either decodes or gives one of the package's errors; a decoded
// object has no key twice, and an input whose keys are all distinct is never refused for
// duplicates.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"name":"x","name":"y"}`, `{"nodes":[{"id":"a","id":"b"}]}`, `{"raw":{"a":{"b":1,"b":2}}}`, `{"tags":{"a":"1","A":"2"}}`, `{`, `[]`, `{"vars":{"k":{"id":"c"}}} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var out file
		err := strictjson.Decode(body, &out)
		var (
			syntax  *strictjson.SyntaxError
			unknown *strictjson.UnknownFieldsError
			dup     *strictjson.DuplicateKeysError
		)
		switch {
		case err == nil, errors.As(err, &syntax), errors.As(err, &unknown):
		case errors.As(err, &dup):
			if len(dup.Fields) == 0 {
				t.Fatalf("a DuplicateKeysError naming nothing for %q", body)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		if err == nil || errors.As(err, &unknown) {
			// encoding/json's own reading, which keeps the last of repeated keys: no
			// object in an accepted body may have had one.
			if repeated := hasRepeatedKey(body); repeated {
				t.Fatalf("accepted %q, which repeats a key", body)
			}
		}
	})
}

// hasRepeatedKey reads body with encoding/json's tokenizer, independently of the
// package, and says whether any object in it has a key twice.
func hasRepeatedKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func() (bool, error)
	walk = func() (bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			repeated := false
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return false, err
				}
				k, _ := key.(string)
				repeated = repeated || seen[k]
				seen[k] = true
				inner, err := walk()
				if err != nil {
					return false, err
				}
				repeated = repeated || inner
			}
			_, err := dec.Token()
			return repeated, err
		case json.Delim('['):
			repeated := false
			for dec.More() {
				inner, err := walk()
				if err != nil {
					return false, err
				}
				repeated = repeated || inner
			}
			_, err := dec.Token()
			return repeated, err
		}
		return false, nil
	}
	repeated, _ := walk()
	return repeated
}
