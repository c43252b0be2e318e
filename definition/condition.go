package definition

import (
	"fmt"
	"slices"
	"strings"
)

// Condition operators for the field form.
const (
	OpEq       = "eq"
	OpNe       = "ne"
	OpGt       = "gt"
	OpGte      = "gte"
	OpLt       = "lt"
	OpLte      = "lte"
	OpContains = "contains"
	OpExists   = "exists"
)

// maxConditionDepth is how deep all/any may nest: deep enough for any rule a marketer
// draws, shallow enough that a branch stays readable.
const maxConditionDepth = 5

// Condition is a branch's test on the friend. Exactly one form per object:
//
//	{"tag": "vip"}                                  the friend has the tag
//	{"notTag": "vip"}                               the friend does not have it
//	{"segment": "seg_123"}                          the friend is in the segment
//	{"field": "drink", "op": "eq", "value": "Tea"}  a friend field compared with value
//	{"trigger": "isUnblocked", "op": "eq", "value": true}
//	                                                a value of the triggering event
//	                                                ({{trigger.X}}) compared likewise
//	{"all": [...]}, {"any": [...]}                  every / at least one condition
//
// Ops are eq, ne, gt, gte, lt, lte, contains and exists; value (a string, number or
// true/false) is required except with exists, which takes none. gt to lte compare
// numbers as numbers and anything else as text.
type Condition struct {
	Tag     string      `json:"tag,omitempty" validate:"max=100,singleline"`
	NotTag  string      `json:"notTag,omitempty" validate:"max=100,singleline"`
	Segment string      `json:"segment,omitempty" validate:"max=100,singleline"`
	Field   string      `json:"field,omitempty" validate:"omitempty,ident"`
	Trigger string      `json:"trigger,omitempty" validate:"omitempty,max=64"`
	Op      string      `json:"op,omitempty" validate:"omitempty,oneof=eq ne gt gte lt lte contains exists"`
	Value   any         `json:"value,omitempty"`
	All     []Condition `json:"all,omitempty" validate:"dive"`
	Any     []Condition `json:"any,omitempty" validate:"dive"`
}

// forms names the forms a condition sets; a valid condition sets exactly one. Presence
// is by value: a non-empty string, or a list that is there at all (so {"all": []} is the
// all form, with too few conditions).
func (cond *Condition) forms() []string {
	var forms []string
	add := func(set bool, name string) {
		if set {
			forms = append(forms, name)
		}
	}
	add(cond.Tag != "", "tag")
	add(cond.NotTag != "", "notTag")
	add(cond.Segment != "", "segment")
	add(cond.Field != "" || (cond.Trigger == "" && (cond.Op != "" || cond.Value != nil)), "field")
	add(cond.Trigger != "", "trigger")
	add(cond.All != nil, "all")
	add(cond.Any != nil, "any")
	return forms
}

func (cond *Condition) check(c *checker, path string, depth int) {
	if depth > maxConditionDepth {
		c.add(path, fmt.Sprintf("conditions nest at most %d deep", maxConditionDepth))
		return
	}
	forms := cond.forms()
	switch len(forms) {
	case 0:
		c.add(path, "needs exactly one of: tag, notTag, segment, field, trigger, all, any")
		return
	case 1:
	default:
		c.add(path, fmt.Sprintf("has several forms (%s); use one, or combine them with all or any", strings.Join(forms, ", ")))
		return
	}
	switch forms[0] {
	case "field":
		cond.checkField(c, path)
	case "trigger":
		cond.checkTrigger(c, path)
	case "all":
		checkConditionList(c, path+".all", cond.All, depth)
	case "any":
		checkConditionList(c, path+".any", cond.Any, depth)
	}
}

// checkTrigger checks a trigger condition: the name must be one the workflow's trigger
// provides, and op and value follow the field form's rules.
func (cond *Condition) checkTrigger(c *checker, path string) {
	provides, dynamic := TriggerProvides(c.scope.trigger)
	if !dynamic && !slices.Contains(provides, cond.Trigger) {
		have := "provides nothing to test"
		if len(provides) > 0 {
			have = "provides " + strings.Join(provides, ", ")
		}
		c.add(path+".trigger", fmt.Sprintf("unknown trigger value %q: %s trigger %s", cond.Trigger, article(c.scope.trigger), have))
	}
	cond.checkComparison(c, path)
}

func (cond *Condition) checkField(c *checker, path string) {
	c.require(path+".field", cond.Field)
	cond.checkComparison(c, path)
}

// checkComparison checks op and value, shared by the field and trigger forms.
func (cond *Condition) checkComparison(c *checker, path string) {
	c.require(path+".op", cond.Op)
	if cond.Op == OpExists {
		if cond.Value != nil {
			c.add(path+".value", "exists takes no value")
		}
		return
	}
	switch cond.Value.(type) {
	case nil:
		c.add(path+".value", "required")
	case string, float64, bool:
	default:
		c.add(path+".value", "must be a string, a number or true/false")
	}
}

func checkConditionList(c *checker, path string, list []Condition, depth int) {
	if len(list) == 0 {
		c.add(path, "needs at least 1 condition")
		return
	}
	for i := range list {
		list[i].check(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
	}
}
