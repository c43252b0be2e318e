package definition

import (
	"os"
	"strings"
	"testing"
)

// The helpers below build small definition files for tests: a friend_added trigger,
// starting at the first node, whose id is "a" by convention.

const friendAdded = `{"type":"friend_added"}`

// file returns a definition with the trigger and nodes, starting at "a".
func file(trigger string, nodes ...string) string {
	return `{"name":"Test","trigger":` + trigger + `,"start":"a","nodes":[` + strings.Join(nodes, ",") + `]}`
}

// steps returns a friend_added definition with the nodes.
func steps(nodes ...string) string { return file(friendAdded, nodes...) }

// withMessage returns a definition whose one step sends m (at nodes[0].messages[0]).
func withMessage(m string) string {
	return steps(`{"id":"a","type":"send_message","messages":[` + m + `]}`)
}

// withCondition returns a definition whose branch tests when (at nodes[0].branches[0].when).
func withCondition(when string) string {
	return steps(`{"id":"a","type":"branch","branches":[{"when":`+when+`,"next":"b"}]}`, hello("b"))
}

// hello is a send_message step with the id.
func hello(id string) string {
	return `{"id":"` + id + `","type":"send_message","messages":[{"type":"text","text":"hi"}]}`
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustParse parses data and fails the test on any problem.
func mustParse(t testing.TB, data []byte) *Definition {
	t.Helper()
	d, problems := Parse(data, DefaultLimits)
	if len(problems) > 0 {
		t.Fatalf("unexpected problems:\n%s", describe(problems))
	}
	return d
}

func describe(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Path + ": " + p.Message + "\n")
	}
	return b.String()
}

// validFixtures are definitions that must parse without a problem.
func validFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	fixtures := map[string][]byte{
		"api example": readTestdata(t, "api_example.json"),
		"every kind":  readTestdata(t, "every_kind.json"),
	}
	for _, tpl := range Templates() {
		fixtures["template "+tpl.ID] = tpl.Definition
	}
	return fixtures
}
