package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lumoworkflows/lumo/internal/strictjson"
)

// The limits of the language: 100 steps keep a workflow drawable and its history
// small; 400 KB is far above any hand-made definition and well below what a Temporal
// payload may carry.
const (
	DefaultMaxNodes = 100
	DefaultMaxBytes = 400 * 1024
)

// Limits bound what Parse accepts. A zero field means its default.
type Limits struct {
	MaxNodes int
	MaxBytes int
}

// DefaultLimits are the limits of the public contract.
var DefaultLimits = Limits{MaxNodes: DefaultMaxNodes, MaxBytes: DefaultMaxBytes}

func (l Limits) orDefaults() Limits {
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// pathDefinition is the path of problems with the file as a whole.
const pathDefinition = "definition"

// maxNesting bounds how deep objects and arrays nest. A real definition stays under 20
// (a condition five levels deep, a flex box in a box in a bubble); the bound keeps a
// crafted file from costing seconds to read.
const maxNesting = 64

// nesting returns how deep objects and arrays nest in data, valid JSON.
func nesting(data []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, b := range data {
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case inString:
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}

// Parse reads a definition strictly and checks everything that needs no workspace:
// field rules, texts, the graph (unknown nodes, unreachable steps, loops that never
// wait) and the limits. It reports every problem at once, by JSON path, and returns a
// best-effort Definition alongside: each entry of "nodes" becomes a Node at the same
// index (an UnknownNode when it is not a step the language knows).
//
// The Definition is nil only when there is nothing to read: data is over
// limits.MaxBytes (checked first, and then not parsed at all), or is not one JSON
// object. An object nested deeper than 64 levels is not read either, and gets an empty
// Definition. The single problem then has the path "definition".
//
// References to workspace objects (segments, auto messages, ...) are only collected
// here; CheckReferences checks them against a workspace.
func Parse(data []byte, limits Limits) (*Definition, Problems) {
	limits = limits.orDefaults()
	if len(data) > limits.MaxBytes {
		return nil, Problems{{Path: pathDefinition, Message: sizeMessage(len(data), limits.MaxBytes)}}
	}
	var top map[string]json.RawMessage
	// A key twice is reported below with the others, by its path in the definition's
	// terms and with advice (two triggers are two workflows); the API refuses it before.
	var repeated *strictjson.DuplicateKeysError
	if err := strictjson.Decode(data, &top); err != nil && !errors.As(err, &repeated) {
		return nil, Problems{{Path: pathDefinition, Message: err.Error()}}
	}
	if depth := nesting(data); depth > maxNesting {
		// Reading is quadratic in the depth; no real definition comes near the limit.
		return &Definition{}, Problems{{Path: pathDefinition, Message: fmt.Sprintf("definition nests %d levels deep; the limit is %d", depth, maxNesting)}}
	}

	p := &parser{unknown: map[string]string{}}
	d, complete := p.decode(data, top)
	if len(d.Nodes) > limits.MaxNodes {
		p.add("nodes", fmt.Sprintf("%d steps; the limit is %d", len(d.Nodes), limits.MaxNodes))
	}

	c := &checker{scope: templateScope{trigger: d.Trigger.Type, vars: d.Vars}}
	c.definition(d, complete)
	normalize(reflect.ValueOf(d).Elem())

	problems := p.problems
	for _, problem := range c.problems {
		if !p.unreadableAt(problem.Path) {
			problems = append(problems, problem)
		}
	}
	for path, msg := range p.unknown {
		if path == "" || strings.HasSuffix(path, ".") { // the key is ""
			path, msg = strings.TrimSuffix(path, "."), `unknown field ""`
		}
		if path == "" {
			path = pathDefinition
		}
		problems = append(problems, Problem{Path: path, Message: msg})
	}
	return d, problems.sorted()
}

func sizeMessage(size, limit int) string {
	if limit%1024 == 0 {
		return fmt.Sprintf("definition is %d KB; the limit is %d KB", (size+1023)/1024, limit/1024)
	}
	return fmt.Sprintf("definition is %d bytes; the limit is %d bytes", size, limit)
}

// parser turns JSON into a Definition, noting problems of shape: unknown and
// duplicate keys, values of the wrong JSON type, unknown step types.
type parser struct {
	problems Problems
	// unknown holds unknown-field problems by path, so a specific message ("a text
	// message takes text, quickReply") replaces strictjson's plain "unknown field".
	unknown map[string]string
	// unreadable are the paths whose values could not be read; what validation says
	// at or under them ("required") would only repeat the problem.
	unreadable []string
}

func (p *parser) unreadableAt(path string) bool {
	for _, u := range p.unreadable {
		if path == u || strings.HasPrefix(path, u+".") || strings.HasPrefix(path, u+"[") {
			return true
		}
	}
	return false
}

func (p *parser) add(path, message string) {
	p.problems = append(p.problems, Problem{Path: path, Message: message})
}

// decode reads the whole file; complete is false when some node could not be read in
// full (an unknown type, or a value of the wrong type), so graph checks that would only
// echo that problem are skipped.
func (p *parser) decode(data []byte, top map[string]json.RawMessage) (*Definition, bool) {
	p.duplicateKeys(data)

	var shape definitionShape
	_ = json.Unmarshal(data, &shape) // as far as it goes; inspect reports what went wrong
	for path, msg := range strictjson.UnknownKeys(data, reflect.TypeOf(shape), "") {
		if path == "triggers" {
			p.unreadable = append(p.unreadable, "trigger")
			p.add(path, `a workflow has exactly one trigger: use "trigger" with one object, and one workflow per trigger`)
			continue
		}
		p.unknown[path] = msg
	}

	complete := true
	fields := jsonFieldIndex(reflect.TypeOf(shape))
	v := reflect.ValueOf(&shape).Elem()
	for _, key := range sortedKeys(top) {
		index, known := fields[key]
		if !known {
			continue
		}
		raw := top[key]
		if key == "trigger" && jsonKind(raw) == "an array" {
			var list []json.RawMessage
			_ = json.Unmarshal(raw, &list)
			p.add("trigger", fmt.Sprintf("a workflow has exactly one trigger, and this file lists %d: make one workflow per trigger", len(list)))
			p.unreadable = append(p.unreadable, "trigger")
			continue
		}
		if !p.inspect(raw, v.FieldByIndex(index), key) && key == "nodes" {
			complete = false
		}
	}

	d := Definition(shape.plainDefinition)
	d.Nodes = nil
	if shape.Nodes != nil {
		d.Nodes = make([]Node, len(shape.Nodes))
	}
	for i, raw := range shape.Nodes {
		n, ok := p.decodeNode(raw, fmt.Sprintf("nodes[%d]", i))
		d.Nodes[i] = n
		complete = complete && ok
	}
	return &d, complete
}

// decodeNode reads one entry of "nodes" by its type. ok is false when the node could
// not be read in full.
func (p *parser) decodeNode(raw json.RawMessage, path string) (n Node, ok bool) {
	unknown := &UnknownNode{Raw: compactJSON(raw)}
	if kind := jsonKind(raw); kind != "an object" {
		p.add(path, "must be an object (a step with an id and a type), not "+kind)
		return unknown, false
	}
	var members map[string]json.RawMessage
	_ = json.Unmarshal(raw, &members)
	if idRaw, ok := members["id"]; ok && json.Unmarshal(idRaw, &unknown.ID) != nil {
		p.add(path+".id", "must be a string, not "+jsonKind(idRaw))
	}
	typeRaw, hasType := members["type"]
	switch {
	case !hasType || isNull(typeRaw):
		p.add(path+".type", "required; one of: "+strings.Join(Kinds(), ", "))
		return unknown, false
	case json.Unmarshal(typeRaw, &unknown.Type) != nil:
		p.add(path+".type", "must be a string, not "+jsonKind(typeRaw))
		return unknown, false
	}
	n, known := NewNode(unknown.Type)
	if !known {
		p.add(path+".type", fmt.Sprintf("unknown step type %q; use one of: %s", unknown.Type, strings.Join(Kinds(), ", ")))
		return unknown, false
	}

	_ = json.Unmarshal(raw, n) // as far as it goes; inspect reports what went wrong
	n.Base().Type = unknown.Type
	takes := nodeFields(n)
	for at, msg := range strictjson.UnknownKeys(raw, reflect.TypeOf(n), path) {
		p.unknown[at] = msg
	}
	for _, key := range sortedKeys(members) {
		if !slices.Contains(takes, key) {
			p.unknown[path+"."+key] = fmt.Sprintf("unknown field: %s step takes %s", article(unknown.Type), strings.Join(takes, ", "))
		}
	}
	ok = p.inspect(raw, reflect.ValueOf(n).Elem(), path)
	return n, ok
}

// nodeFields lists the JSON fields a kind takes: its struct's, less the outlets of
// NodeBase it does not have (a branch has no next, a delay no failed).
func nodeFields(n Node) []string {
	var takes []string
	for _, name := range jsonFieldNames(reflect.TypeOf(n).Elem()) {
		if (name == "next" || name == "failed") && !hasOutlet(n, name) {
			continue
		}
		takes = append(takes, name)
	}
	return takes
}

// variant is implemented by objects whose "type" decides which of their fields they
// take. variantFields returns those fields (besides "type") and a noun for messages
// ("a text message"); known is false for an unknown type, which validation reports.
type variant interface {
	variantFields() (fields []string, noun string, known bool)
}

var (
	variantType    = reflect.TypeFor[variant]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// inspect walks raw, JSON that has been decoded into v as far as encoding/json could,
// and reports each value of the wrong JSON type at its own path (encoding/json names
// only the first, without indexes) and each field a variant's type does not take. It
// returns false when some value had the wrong type.
func (p *parser) inspect(raw json.RawMessage, v reflect.Value, path string) bool {
	if len(raw) == 0 || isNull(raw) || v.Type() == rawMessageType {
		return true
	}
	got := jsonKind(raw)
	mismatch := func(want string) bool {
		p.add(path, fmt.Sprintf("must be %s, not %s", want, got))
		p.unreadable = append(p.unreadable, path)
		return false
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v = reflect.New(v.Type().Elem())
		}
		return p.inspect(raw, v.Elem(), path)
	case reflect.Interface:
		return true
	case reflect.String:
		if got != "a string" {
			return mismatch("a string")
		}
	case reflect.Bool:
		if got != "true or false" {
			return mismatch("true or false")
		}
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64:
		if got != "a number" {
			return mismatch("a number")
		}
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
			p.add(path, "is not a number this system can hold")
			p.unreadable = append(p.unreadable, path)
			return false
		}
	case reflect.Slice:
		if got != "an array" {
			return mismatch("an array")
		}
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		ok := true
		for i, item := range items {
			elem := reflect.New(v.Type().Elem()).Elem()
			if i < v.Len() {
				elem = v.Index(i)
			}
			ok = p.inspect(item, elem, fmt.Sprintf("%s[%d]", path, i)) && ok
		}
		return ok
	case reflect.Map:
		if got != "an object" {
			return mismatch("an object")
		}
		var members map[string]json.RawMessage
		_ = json.Unmarshal(raw, &members)
		ok := true
		for _, key := range sortedKeys(members) {
			elem := reflect.New(v.Type().Elem()).Elem()
			ok = p.inspect(members[key], elem, fmt.Sprintf("%s[%s]", path, key)) && ok
		}
		return ok
	case reflect.Struct:
		if got != "an object" {
			return mismatch("an object")
		}
		var members map[string]json.RawMessage
		_ = json.Unmarshal(raw, &members)
		fields := jsonFieldIndex(v.Type())
		if v.CanAddr() && v.Addr().Type().Implements(variantType) {
			p.checkVariant(v.Addr().Interface().(variant), members, path)
		}
		ok := true
		for _, key := range sortedKeys(members) {
			if index, known := fields[key]; known {
				ok = p.inspect(members[key], v.FieldByIndex(index), joinPath(path, key)) && ok
			}
		}
		return ok
	}
	return true
}

func (p *parser) checkVariant(x variant, members map[string]json.RawMessage, path string) {
	fields, noun, known := x.variantFields()
	if !known {
		return
	}
	takes := "takes no other fields"
	if len(fields) > 0 {
		takes = "takes " + strings.Join(fields, ", ")
	}
	for _, key := range sortedKeys(members) {
		switch {
		case key == "":
			// Keyed like strictjson's report of the same key, so it is reported once.
			p.unknown[path+"."] = `unknown field ""`
		case key != "type" && !slices.Contains(fields, key):
			p.unknown[joinPath(path, key)] = fmt.Sprintf("unknown field: %s %s", noun, takes)
		}
	}
}

// duplicateKeys reports objects that name a key twice (encoding/json would silently
// keep the last), at the object's path. Two "trigger" keys are a workflow with two
// triggers, and say so.
func (p *parser) duplicateKeys(data []byte) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]int{}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := keyTok.(string)
				seen[key]++
				if err := walk(joinPath(path, key)); err != nil {
					return err
				}
			}
			for _, key := range sortedKeys(seen) {
				switch {
				case seen[key] < 2:
				case path == "" && key == "trigger":
					p.add("trigger", fmt.Sprintf("a workflow has exactly one trigger, and this file has %d: make one workflow per trigger", seen[key]))
				default:
					at := path
					if at == "" {
						at = pathDefinition
					}
					p.add(at, fmt.Sprintf("duplicate key %q (%d times); keep one", key, seen[key]))
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		default:
			return nil
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	// data decoded already, so a token error cannot happen here.
	_ = walk("")
}

// jsonFieldIndex maps the JSON names of a struct's fields (promoted ones included) to
// their index, the way encoding/json names them.
func jsonFieldIndex(t reflect.Type) map[string][]int {
	index := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		name, ok := jsonName(f)
		if ok {
			index[name] = f.Index
		}
	}
	return index
}

// jsonFieldNames lists a struct's JSON field names in declaration order.
func jsonFieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := jsonName(f); ok {
			names = append(names, name)
		}
	}
	return names
}

func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || f.Anonymous && name == "" {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, true
}

// jsonKind names the kind of a JSON value the way a person thinks of it.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// normalize makes a parsed definition canonical, so Parse(Marshal(d)) equals d: empty
// lists and maps become nil (Marshal leaves them out), raw JSON is compacted and a raw
// null is dropped.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		switch {
		case !v.CanSet():
		case v.Type() == rawMessageType && isNull(v.Bytes()):
			v.SetZero()
		case v.Type() == rawMessageType:
			v.SetBytes(compactJSON(v.Bytes()))
		case v.Len() == 0:
			v.SetZero()
		default:
			for i := 0; i < v.Len(); i++ {
				normalize(v.Index(i))
			}
		}
	case reflect.Map:
		if v.CanSet() && v.Len() == 0 {
			v.SetZero()
		}
	}
}
