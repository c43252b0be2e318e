package definition

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestMarshal_RoundTripsAndIsStable(t *testing.T) {
	for name, data := range validFixtures(t) {
		t.Run(name, func(t *testing.T) {
			assertStable(t, data)
		})
	}
}

func TestMarshal_IsCanonical(t *testing.T) {
	d := mustParse(t, readTestdata(t, "api_example.json"))
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{
		"{\n  \"name\": \"Welcome survey\",\n",
		// A node reads id, type, configuration, outlets.
		"{\n      \"id\": \"later\",\n      \"type\": \"delay\",\n      \"duration\": \"24h\",\n      \"next\": \"coupon\"\n    }",
		`"saveTo": {`, `"timedOut": "bye"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasSuffix(text, "}\n") {
		t.Error("output should end with a newline")
	}
	every := mustParse(t, readTestdata(t, "every_kind.json"))
	out, _ = Marshal(every)
	if !strings.Contains(string(out), `"uri": "https://example.com/?a=1&b=2"`) {
		t.Error("Marshal should not escape & in URLs")
	}
}

func TestDefinition_TravelsThroughEncodingJSON(t *testing.T) {
	// An execution's input carries its version's graph through Temporal's JSON
	// converter, which uses encoding/json.
	d := mustParse(t, readTestdata(t, "every_kind.json"))
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Definition
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, d) {
		t.Errorf("json round trip changed the definition:\n%+v\n%+v", &back, d)
	}
	var unknown Definition
	if err := json.Unmarshal([]byte(`{"nodes":[{"id":"x","type":"later_kind"}]}`), &unknown); err != nil {
		t.Fatal(err)
	}
	if _, ok := unknown.Nodes[0].(*UnknownNode); !ok {
		t.Errorf("an unknown kind should decode as *UnknownNode, got %T", unknown.Nodes[0])
	}
}

func TestDefinition_NodeAndKind(t *testing.T) {
	d := mustParse(t, readTestdata(t, "api_example.json"))
	n, ok := d.Node("ask")
	q, isQuestion := n.(*Question)
	if !ok || !isQuestion || q.Invalid != "ask_again" || q.TimeoutDuration().Hours() != 168 {
		t.Errorf("Node(ask) = %#v, %v", n, ok)
	}
	if kind, ok := d.Kind("later"); !ok || kind != KindDelay {
		t.Errorf("Kind(later) = %q, %v", kind, ok)
	}
	if _, ok := d.Node("missing"); ok {
		t.Error("found a node that does not exist")
	}
	if _, ok := d.Kind("missing"); ok {
		t.Error("found a kind for a node that does not exist")
	}
}
