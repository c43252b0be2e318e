package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse_ReportsEveryBadNodeAtOnce(t *testing.T) {
	input := steps(
		`{"id":"a","type":"delay","duration":"soon","next":"b"}`,
		`{"id":"b","type":"send_message","messages":[{"type":"text","text":"hi"}],"nxt":"c"}`,
		`{"id":"c","type":"teleport"}`,
		`{"id":"d","type":"tag","add":["x"],"next":"ghost"}`,
	)
	d, problems := Parse([]byte(input), DefaultLimits)
	want := Problems{
		{Path: "nodes[0].duration", Message: `must be a Go duration such as "90m", "24h" or "1h30m" (up to "2160h" (90 days))`},
		{Path: "nodes[1].nxt", Message: "unknown field: a send_message step takes id, type, next, failed, messages"},
		{Path: "nodes[2].type", Message: `unknown step type "teleport"; use one of: ` + strings.Join(Kinds(), ", ")},
		{Path: "nodes[3].next", Message: `unknown node "ghost"`},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", describe(problems), describe(want))
	}
	if d == nil || len(d.Nodes) != 4 {
		t.Fatalf("want a best-effort definition with 4 nodes, got %+v", d)
	}
	if _, ok := d.Nodes[2].(*UnknownNode); !ok {
		t.Errorf("nodes[2] is %T, want *UnknownNode", d.Nodes[2])
	}
	if got := d.Nodes[3].(*Tag).Add; !reflect.DeepEqual(got, []string{"x"}) {
		t.Errorf("nodes[3] add = %v, want [x]", got)
	}
}

func TestParse_WrongTypesInSeveralNodesAreProblemsOfThoseNodes(t *testing.T) {
	input := steps(
		`{"id":"a","type":"delay","duration":24,"next":"b"}`,
		`{"id":"b","type":"send_message","messages":{"type":"text"},"next":"c"}`,
		`{"id":"c","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"number","min":"zero"}}`,
	)
	d, problems := Parse([]byte(input), DefaultLimits)
	want := Problems{
		{Path: "nodes[0].duration", Message: "must be a string, not a number"},
		{Path: "nodes[1].messages", Message: "must be an array, not an object"},
		{Path: "nodes[2].answer.min", Message: "must be a number, not a string"},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", describe(problems), describe(want))
	}
	if d.Nodes[0].Base().Next != "b" || d.Nodes[2].(*Question).Answer.Type != AnswerNumber {
		t.Errorf("the rest of each node should still be read: %+v %+v", d.Nodes[0], d.Nodes[2])
	}
}

func TestParse_RefusesMoreStepsThanTheLimit(t *testing.T) {
	nodes := make([]string, 101)
	for i := range nodes {
		next := fmt.Sprintf(`,"next":"n%d"`, i+1)
		if i == len(nodes)-1 {
			next = ""
		}
		nodes[i] = fmt.Sprintf(`{"id":"n%d","type":"tag","add":["t"]%s}`, i, next)
	}
	input := strings.Replace(steps(nodes...), `"start":"a"`, `"start":"n0"`, 1)
	_, problems := Parse([]byte(input), DefaultLimits)
	want := Problems{{Path: "nodes", Message: "101 steps; the limit is 100"}}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", describe(problems), describe(want))
	}

	// 100 steps are fine.
	nodes[99] = `{"id":"n99","type":"tag","add":["t"]}`
	input = strings.Replace(steps(nodes[:100]...), `"start":"a"`, `"start":"n0"`, 1)
	mustParse(t, []byte(input))
}

func TestParse_RefusesAFileOverTheSizeLimitWithoutReadingIt(t *testing.T) {
	text := strings.Repeat("a", 4000)
	var nodes []string
	for len(strings.Join(nodes, ",")) < 401*1024 {
		nodes = append(nodes, `{"id":"a","type":"send_message","messages":[{"type":"text","text":"`+text+`"}]}`)
	}
	input := []byte(steps(nodes...))
	input = input[:401*1024] // no longer valid JSON: the size is checked first
	d, problems := Parse(input, DefaultLimits)
	want := Problems{{Path: "definition", Message: "definition is 401 KB; the limit is 400 KB"}}
	if d != nil || !reflect.DeepEqual(problems, want) {
		t.Errorf("d = %v, problems:\n%s\nwant:\n%s", d, describe(problems), describe(want))
	}
}

func TestParse_LimitsDefaultWhenZero(t *testing.T) {
	_, problems := Parse(bytes.Repeat([]byte(" "), DefaultMaxBytes+1), Limits{})
	if len(problems) != 1 || !strings.Contains(problems[0].Message, "the limit is 400 KB") {
		t.Errorf("problems = %v", problems)
	}
	_, problems = Parse([]byte(steps(hello("a"))), Limits{MaxNodes: 1, MaxBytes: 100})
	if len(problems) != 1 || problems[0].Message != "definition is 145 bytes; the limit is 100 bytes" {
		t.Errorf("problems = %v", problems)
	}
}

func TestParse_RefusesDeepNestingQuickly(t *testing.T) {
	when := strings.Repeat(`{"all":[`, 4000) + `{"tag":"x"}` + strings.Repeat(`]}`, 4000)
	start := time.Now()
	d, problems := Parse([]byte(withCondition(when)), DefaultLimits)
	want := Problems{{Path: "definition", Message: "definition nests 8006 levels deep; the limit is 64"}}
	if d == nil || !reflect.DeepEqual(problems, want) {
		t.Errorf("d = %v, problems:\n%s", d, describe(problems))
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if got := nesting([]byte(`{"a":"[[[{{\\\"","b":[{}]}`)); got != 3 {
		t.Errorf("nesting counts brackets inside strings: %d", got)
	}
}

func TestParse_ReturnsNilOnlyForWhatIsNotAJSONObject(t *testing.T) {
	for _, input := range []string{``, `null`, `[]`, `"x"`, `{"name":`, `{} {}`, `{"a":1,}`} {
		d, problems := Parse([]byte(input), DefaultLimits)
		if d != nil || len(problems) != 1 || problems[0].Path != "definition" {
			t.Errorf("Parse(%q) = %v, %v; want nil and one problem at definition", input, d, problems)
		}
	}
	for _, input := range []string{`{}`, `{"nodes":[1,"x",null,{}]}`, `{"trigger":[],"nodes":{}}`} {
		d, problems := Parse([]byte(input), DefaultLimits)
		if d == nil || len(problems) == 0 {
			t.Errorf("Parse(%q) = %v, %v; want a definition and problems", input, d, problems)
		}
	}
}

func TestParse_KeepsUnknownNodesAsTheyWere(t *testing.T) {
	input := steps(hello("a"), `{"id": "b", "type": "future_step", "colour": "green"}`, `42`)
	d, _ := Parse([]byte(input), DefaultLimits)
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ Nodes []json.RawMessage }
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if got := string(compactJSON(back.Nodes[1])); got != `{"id":"b","type":"future_step","colour":"green"}` {
		t.Errorf("nodes[1] = %s", got)
	}
	if got := string(back.Nodes[2]); got != "42" {
		t.Errorf("nodes[2] = %s", got)
	}
}

func TestParse_NormalizesEmptyListsSoMarshalIsStable(t *testing.T) {
	input := strings.Replace(steps(`{"id":"a","type":"tag","add":["x"],"remove":[]}`), `"start"`, `"vars":[],"settings":{"exitOn":[]},"start"`, 1)
	d := mustParse(t, []byte(input))
	if d.Vars != nil || d.Settings.ExitOn != nil || d.Nodes[0].(*Tag).Remove != nil {
		t.Errorf("empty lists should be nil: %+v", d)
	}
	assertStable(t, []byte(input))
}

// assertStable checks Parse → Marshal → Parse → Marshal: equal definitions, equal bytes.
func assertStable(t *testing.T, input []byte) {
	t.Helper()
	d1, _ := Parse(input, DefaultLimits)
	out1, err := Marshal(d1)
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := Parse(out1, DefaultLimits)
	if !reflect.DeepEqual(d1, d2) {
		t.Errorf("Parse(Marshal(d)) differs from d:\n%+v\n%+v", d1, d2)
	}
	out2, err := Marshal(d2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out1, out2) {
		t.Errorf("Marshal is not stable:\n%s\n---\n%s", out1, out2)
	}
}

// FuzzParse checks that Parse never panics, returns a definition for every JSON object,
// reports problems with a path and a message, and writes what it read back stably.
func FuzzParse(f *testing.F) {
	for _, data := range validFixtures(f) {
		f.Add(data)
	}
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"nodes":[1,"x",null,{}]}`, `{"trigger":[{},{}]}`,
		`{"name":"x","trigger":{"type":"message_received","match":{"mode":"regex","keywords":["(("]}},"start":"a","nodes":[{"id":"a","type":"branch","branches":[{"when":{"all":[{"any":[]}]},"next":"a"}]}]}`,
		steps(`{"id":"a","type":"question","message":{"type":"flex","altText":"x","contents":{"type":"carousel","contents":[1]}},"answer":{"type":"number","min":1e999}}`),
		steps(`{"id":"a","type":"send_message","messages":[{"type":"text","text":"{{ {{x}} }} {{"}],"next":"a","next":"b"}`),
		steps(`{"id":"a","type":"send_data","url":"{{trigger.x}}","payload":{"k":"{{vars.y}}"}}`),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, problems := Parse(data, DefaultLimits)
		for _, p := range problems {
			if p.Path == "" || p.Message == "" {
				t.Fatalf("problem without a path or message: %+v", p)
			}
		}
		var object map[string]json.RawMessage
		if json.Unmarshal(data, &object) == nil && object != nil && len(data) <= DefaultMaxBytes {
			if d == nil {
				t.Fatalf("nil definition for a JSON object; problems: %v", problems)
			}
		}
		if d == nil {
			return
		}
		out, err := Marshal(d)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		d2, _ := Parse(out, Limits{MaxNodes: DefaultMaxNodes, MaxBytes: len(out) + 1})
		if d2 == nil {
			t.Fatalf("Marshal wrote what Parse cannot read: %s", out)
		}
		if !reflect.DeepEqual(d, d2) {
			t.Fatalf("Parse(Marshal(d)) differs from d:\n%#v\n%#v", d, d2)
		}
		out2, err := Marshal(d2)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("Marshal is not stable:\n%s\n---\n%s", out, out2)
		}
	})
}
