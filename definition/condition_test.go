package definition

import (
	"reflect"
	"testing"
)

func TestCondition_Forms(t *testing.T) {
	cases := []struct {
		cond Condition
		want []string
	}{
		{Condition{Tag: "vip"}, []string{"tag"}},
		{Condition{Field: "age", Op: OpGt, Value: 20.0}, []string{"field"}},
		{Condition{Op: OpExists}, []string{"field"}},
		{Condition{All: []Condition{}}, []string{"all"}},
		{Condition{Segment: "s", Any: []Condition{{Tag: "x"}}}, []string{"segment", "any"}},
		{Condition{}, nil},
	}
	for _, tc := range cases {
		if got := tc.cond.forms(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("forms(%+v) = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestCondition_ValuesKeepTheirJSONType(t *testing.T) {
	d := mustParse(t, []byte(withCondition(`{"any":[{"field":"n","op":"gte","value":3},{"field":"b","op":"eq","value":false},{"field":"s","op":"contains","value":"x"}]}`)))
	any := d.Nodes[0].(*Branch).Branches[0].When.Any
	if any[0].Value != 3.0 || any[1].Value != false || any[2].Value != "x" {
		t.Errorf("values = %#v %#v %#v", any[0].Value, any[1].Value, any[2].Value)
	}
}
