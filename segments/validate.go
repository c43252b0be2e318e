package segments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of one definition: generous for any audience a marketer draws, small enough
// that a count stays one reasonable query.
const (
	MaxGroups          = 20
	MaxConditions      = 20 // in one group
	MaxListValues      = 100
	MaxStringBytes     = 500
	MaxNameBytes       = 100 // of a property name after hubspot.property. / klaviyo.property.
	MaxDays            = 36500
	maxCount           = 1_000_000_000
	notIntegratedIssue = "conditions for services that are not integrated cannot be used"
)

// Validate checks d and returns its problems keyed by path ("groups",
// "groups[1].conditions[0].value"), or nil when d is valid. A condition on a service
// that connected says is not connected is refused under its property.
func (d Definition) Validate(connected Integrations) map[string]string {
	problems := map[string]string{}
	switch {
	case len(d.Groups) == 0:
		problems["groups"] = "needs at least 1 group"
	case len(d.Groups) > MaxGroups:
		problems["groups"] = fmt.Sprintf("at most %d groups", MaxGroups)
	}
	for i, g := range d.Groups {
		path := fmt.Sprintf("groups[%d].conditions", i)
		switch {
		case len(g.Conditions) == 0:
			problems[path] = "needs at least 1 condition"
		case len(g.Conditions) > MaxConditions:
			problems[path] = fmt.Sprintf("at most %d conditions in a group", MaxConditions)
		}
		for j, c := range g.Conditions {
			cpath := fmt.Sprintf("%s[%d]", path, j)
			p, err := parseCondition(c)
			if err != nil {
				problems[cpath+"."+err.field] = err.problem
				continue
			}
			if p.service != "" && !connected.Connected(p.service) {
				problems[cpath+".property"] = notIntegratedIssue
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// ParseDefinition decodes a definition from JSON, refusing unknown keys, so that a
// misspelt "conditons" is an error rather than an empty group. It does not Validate.
func ParseDefinition(data []byte) (Definition, error) {
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Definition{}, fmt.Errorf("segment definition: %w", err)
	}
	if dec.More() {
		return Definition{}, fmt.Errorf("segment definition: data after the JSON value")
	}
	return d, nil
}

// conditionError is one problem of a condition: which of its keys, and what.
type conditionError struct {
	field   string // "property", "op" or "value"
	problem string
}

// parsed is a condition checked and its value decoded, ready to compile or describe.
type parsed struct {
	Condition
	key     string // the catalogue key: "tag", "field.", ...
	name    string // the name after a prefix property's dot
	service string // shopify, hubspot, klaviyo or ""
	kind    valueKind

	boolean  bool
	at       time.Time // a date's start (dateOnly) or an instant
	dateOnly bool
	whole    int64   // days, counts
	number   float64 // numbers; scalars that are numbers
	text     string  // strings; a scalar's text form
	numeric  bool    // a scalar that is, or reads as, a number
	list     []string
}

func parseCondition(c Condition) (parsed, *conditionError) {
	p := parsed{Condition: c}
	key, name, ok := splitProperty(c.Property)
	if !ok {
		if c.Property == "" {
			return p, &conditionError{"property", "required"}
		}
		return p, &conditionError{"property", fmt.Sprintf("unknown property %q; one of: %s", clip(c.Property), strings.Join(propertyNames(), ", "))}
	}
	p.key, p.name, p.service = key, name, serviceOf(key)
	switch key {
	case PropField:
		if !isIdent(name) {
			return p, &conditionError{"property", "field.<name> needs a field name: a letter or _, then letters, digits or _ (at most 64)"}
		}
	case PropHubSpotProperty, PropKlaviyoProperty:
		if problem := nameProblem(name); problem != "" {
			return p, &conditionError{"property", key + "<name> " + problem}
		}
	}
	kind, ok := propertyOps[key][c.Op]
	if !ok {
		if c.Op == "" {
			return p, &conditionError{"op", "required"}
		}
		return p, &conditionError{"op", fmt.Sprintf("%s takes the operators %s", describeKey(key), strings.Join(OperatorsOf(key), ", "))}
	}
	p.kind = kind
	if problem := p.decodeValue(); problem != "" {
		return p, &conditionError{"value", problem}
	}
	return p, nil
}

// decodeValue checks the value against p.kind and keeps it decoded.
func (p *parsed) decodeValue() string {
	raw := bytes.TrimSpace(p.Value)
	absent := len(raw) == 0 || string(raw) == "null"
	switch p.kind {
	case noValue:
		if !absent {
			return p.Op + " takes no value"
		}
		return ""
	case optionalBool:
		if absent {
			p.boolean = true
			return ""
		}
	}
	if absent {
		return "required"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "must be a JSON value"
	}
	switch p.kind {
	case boolValue, optionalBool:
		b, ok := v.(bool)
		if !ok {
			return "must be true or false"
		}
		p.boolean = b
	case dateValue:
		s, ok := v.(string)
		if !ok {
			return `must be a date ("2026-01-31") or a time (RFC 3339)`
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			p.at, p.dateOnly = t, true
		} else if t, err := time.Parse(time.RFC3339, s); err == nil {
			p.at = t.UTC()
		} else {
			return `must be a date ("2026-01-31") or a time (RFC 3339)`
		}
	case daysValue:
		n, ok := wholeNumber(v)
		if !ok || n < 1 || n > MaxDays {
			return fmt.Sprintf("must be a whole number of days from 1 to %d", MaxDays)
		}
		p.whole = n
	case countValue:
		n, ok := wholeNumber(v)
		if !ok || n < 0 || n > maxCount {
			return "must be a whole number, 0 or more"
		}
		p.whole = n
	case numberValue:
		n, ok := v.(json.Number)
		if !ok {
			return "must be a number"
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) {
			return "must be a number"
		}
		p.number = f
	case scalarValue:
		switch x := v.(type) {
		case string:
			if problem := stringProblem(x); problem != "" {
				return problem
			}
			p.text = x
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				p.number, p.numeric = f, true
			}
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil || math.IsInf(f, 0) {
				return "must be a string, a number or true/false"
			}
			p.number, p.numeric = f, true
			p.text = strconv.FormatFloat(f, 'f', -1, 64)
		case bool:
			p.text = strconv.FormatBool(x)
		default:
			return "must be a string, a number or true/false"
		}
	case stringValue:
		s, ok := v.(string)
		if !ok {
			return "must be a string"
		}
		if problem := stringProblem(s); problem != "" {
			return problem
		}
		p.text = s
	case stringListValue:
		items, ok := v.([]any)
		if !ok {
			return "must be a list of strings"
		}
		if len(items) == 0 || len(items) > MaxListValues {
			return fmt.Sprintf("must list from 1 to %d strings", MaxListValues)
		}
		for i, item := range items {
			s, ok := item.(string)
			if !ok {
				return fmt.Sprintf("item %d must be a string", i)
			}
			if problem := stringProblem(s); problem != "" {
				return fmt.Sprintf("item %d %s", i, problem)
			}
			p.list = append(p.list, s)
		}
	}
	return ""
}

// wholeNumber reads a JSON number without a fraction ("3", not "3.5"; "3.0" is 3).
func wholeNumber(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int64(f), true
}

// stringProblem refuses strings the databases cannot hold (NUL, bytes that are not
// UTF-8) and ones no name or value is as long as.
func stringProblem(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > MaxStringBytes:
		return fmt.Sprintf("must be at most %d bytes", MaxStringBytes)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "must be UTF-8 text without NUL"
	}
	return ""
}

// nameProblem checks the name of a HubSpot or Klaviyo property, which may hold spaces
// ("LINE User ID") but no control characters.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "needs a property name"
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("names a property of at most %d bytes", MaxNameBytes)
	case !utf8.ValidString(name):
		return "must be UTF-8 text"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "must not hold control characters"
		}
	}
	return ""
}

// isIdent is true for an ASCII identifier of up to 64 characters, as friend field names
// are: a letter or _, then letters, digits and _.
func isIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '_', 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z':
		case '0' <= ch && ch <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// propertyNames is the list a problem message offers, prefixes written as "field.<name>".
func propertyNames() []string {
	names := make([]string, len(Properties))
	for i, p := range Properties {
		names[i] = describeKey(p)
	}
	return names
}

func describeKey(key string) string {
	if strings.HasSuffix(key, ".") {
		return key + "<name>"
	}
	return key
}

// clip shortens user text quoted back in a message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
