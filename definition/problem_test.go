package definition

import (
	"errors"
	"reflect"
	"testing"
)

func TestProblems_FieldsJoinsMessagesOfOnePath(t *testing.T) {
	ps := Problems{
		{Path: "nodes[2].next", Message: `unknown node "x"`},
		{Path: "name", Message: "required"},
		{Path: "nodes[2].next", Message: "another"},
	}
	want := map[string]string{"nodes[2].next": `unknown node "x"; another`, "name": "required"}
	if got := ps.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields() = %v", got)
	}
	if got := ps.Error(); got != `nodes[2].next: unknown node "x"; name: required; nodes[2].next: another` {
		t.Errorf("Error() = %q", got)
	}
}

func TestProblems_Err(t *testing.T) {
	var none Problems
	if none.Err() != nil {
		t.Error("no problems should be a nil error")
	}
	var ps Problems
	if err := (Problems{{Path: "a", Message: "b"}}).Err(); !errors.As(err, &ps) || len(ps) != 1 {
		t.Errorf("Err() = %v", err)
	}
}

func TestProblems_SortInDocumentOrder(t *testing.T) {
	ps := Problems{
		{Path: "nodes[10].id", Message: "x"},
		{Path: "nodes[2].next", Message: "x"},
		{Path: "definition", Message: "x"},
		{Path: "nodes[2]", Message: "x"},
		{Path: "name", Message: "x"},
		{Path: "nodes[2]", Message: "x"},
	}
	var paths []string
	for _, p := range ps.sorted() {
		paths = append(paths, p.Path)
	}
	want := []string{"definition", "name", "nodes[2]", "nodes[2].next", "nodes[10].id"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("sorted paths = %v, want %v", paths, want)
	}
}
