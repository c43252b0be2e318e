package definition

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoops(t *testing.T) {
	tag := func(id, next string) string {
		return `{"id":"` + id + `","type":"tag","add":["x"],"next":"` + next + `"}`
	}
	ask := func(id, next, invalid string) string {
		return `{"id":"` + id + `","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"text"},"next":"` + next + `","invalid":"` + invalid + `"}`
	}
	cases := []struct {
		name  string
		nodes []string
		want  [][]string
	}{
		{"a loop without a wait", []string{tag("a", "b"), tag("b", "a")}, [][]string{{"a", "b", "a"}}},
		{"a loop through a question waits", []string{tag("a", "q"), ask("q", "a", "")}, nil},
		{"a loop through a delay waits", []string{tag("a", "d"), `{"id":"d","type":"delay","duration":"1h","next":"a"}`}, nil},
		{"asking again after an invalid answer waits", []string{ask("a", "done", "again"), ask("again", "done", "a"), hello("done")}, nil},
		{"a step that leads to itself", []string{tag("a", "a")}, [][]string{{"a", "a"}}},
		{"two separate loops", []string{tag("a", "b"), tag("b", "a"), tag("c", "d"), tag("d", "c")}, [][]string{{"a", "b", "a"}, {"c", "d", "c"}}},
		{"entangled loops are one problem, shown by the shortest", []string{tag("a", "b"), `{"id":"b","type":"branch","branches":[{"when":{"tag":"x"},"next":"c"}],"else":"a"}`, tag("c", "a")}, [][]string{{"a", "b", "a"}}},
		{"a loop that starts later in the file", []string{tag("a", "b"), tag("b", "c"), tag("c", "b")}, [][]string{{"b", "c", "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := Parse([]byte(steps(tc.nodes...)), DefaultLimits)
			if got := d.Loops(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Loops() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParse_ReportsEachLoopOnceAtOneOfItsNodes(t *testing.T) {
	input := steps(
		`{"id":"a","type":"tag","add":["x"],"next":"b"}`,
		`{"id":"b","type":"tag","add":["y"],"next":"a"}`,
		`{"id":"c","type":"tag","add":["z"],"next":"c"}`,
	)
	_, problems := Parse([]byte(input), DefaultLimits)
	var loops Problems
	for _, p := range problems {
		if strings.Contains(p.Message, "loop") {
			loops = append(loops, p)
		}
	}
	want := Problems{
		{Path: "nodes[0]", Message: "workflow loop detected: a → b → a never waits"},
		{Path: "nodes[2]", Message: "workflow loop detected: c → c never waits"},
	}
	if !reflect.DeepEqual(loops, want) {
		t.Errorf("loop problems:\n%s\nwant:\n%s", describe(loops), describe(want))
	}
}

func TestFindWorkflowCycle(t *testing.T) {
	cases := []struct {
		name   string
		starts map[string][]string
		from   string
		want   []string
	}{
		{"two workflows that start each other", map[string][]string{"A": {"B"}, "B": {"A"}}, "A", []string{"A", "B", "A"}},
		{"a chain is no cycle", map[string][]string{"A": {"B"}, "B": {"C"}}, "A", nil},
		{"a workflow that starts itself", map[string][]string{"A": {"A"}}, "A", []string{"A", "A"}},
		{"the shortest way round", map[string][]string{"A": {"B", "C"}, "B": {"D"}, "D": {"A"}, "C": {"A"}}, "A", []string{"A", "C", "A"}},
		{"a cycle elsewhere is not this workflow's", map[string][]string{"A": {"B"}, "B": {"C"}, "C": {"B"}}, "A", nil},
		{"nothing started", nil, "A", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := FindWorkflowCycle(tc.from, func(id string) []string { return tc.starts[id] })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FindWorkflowCycle = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDefinition_Outlets(t *testing.T) {
	d := mustParse(t, readTestdata(t, "api_example.json"))
	var sortOutlets []Outlet
	for _, o := range d.Outlets() {
		if o.From == "sort" || o.From == "ask" {
			sortOutlets = append(sortOutlets, o)
		}
	}
	want := []Outlet{
		{From: "ask", Name: "next", Target: "sort", Path: "nodes[1].next"},
		{From: "ask", Name: "invalid", Target: "ask_again", Path: "nodes[1].invalid"},
		{From: "ask", Name: "timedOut", Target: "bye", Path: "nodes[1].timedOut"},
		{From: "ask", Name: "failed", Path: "nodes[1].failed"},
		{From: "sort", Name: "branches[0].next", Target: "coffee", Path: "nodes[2].branches[0].next"},
		{From: "sort", Name: "else", Target: "tea", Path: "nodes[2].else"},
	}
	if !reflect.DeepEqual(sortOutlets, want) {
		t.Errorf("outlets = %+v\nwant %+v", sortOutlets, want)
	}
}
