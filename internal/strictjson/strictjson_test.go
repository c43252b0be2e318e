package strictjson_test

import (
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
