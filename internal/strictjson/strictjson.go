// Package strictjson decodes JSON objects strictly: exactly one object, nothing after it,
// no key twice in one object (encoding/json keeps the last, so the sender's two values
// would silently become one), and no key the target type does not name exactly
// (encoding/json matches keys ignoring case, so a misspelt or differently cased key would
// otherwise vanish with the change the sender meant). Every repeated or unknown key is
// reported at once, by path ("nodes[2].nxt").
//
// The API decodes request bodies with it, and the workflow definition language decodes
// definition files with it.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// SyntaxError means the input is not one JSON object of the right shape: not JSON, not
// an object, data after the object, or a value of the wrong type. Message says where.
type SyntaxError struct {
	Message string
}

func (e *SyntaxError) Error() string { return e.Message }

func malformed(format string, args ...any) error {
	return &SyntaxError{Message: fmt.Sprintf(format, args...)}
}

// UnknownFieldsError lists the keys the target type does not have, by path.
type UnknownFieldsError struct {
	Fields map[string]string
}

func (e *UnknownFieldsError) Error() string {
	paths := make([]string, 0, len(e.Fields))
	for path := range e.Fields {
		paths = append(paths, path)
	}
	return "unknown fields: " + strings.Join(paths, ", ")
}

// DuplicateKeysError lists, by path, the keys that appear more than once in one object.
type DuplicateKeysError struct {
	Fields map[string]string
}

func (e *DuplicateKeysError) Error() string {
	paths := make([]string, 0, len(e.Fields))
	for path := range e.Fields {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	return "duplicate keys: " + strings.Join(paths, ", ")
}

// duplicateKey is the problem reported for each repeated key.
const duplicateKey = "duplicate key: keep one"

// Decode decodes exactly one JSON object into dst (a pointer). It returns a
// *SyntaxError, a *DuplicateKeysError or an *UnknownFieldsError.
func Decode(body []byte, dst any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return malformed("the body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		if !json.Valid(body) {
			return syntaxProblem(body)
		}
		return malformed("the body must be a JSON object")
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err, body)
	}
	// One object, then only whitespace.
	if end := dec.InputOffset(); end < int64(len(body)) {
		if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
			return malformed("unexpected data after the JSON object at byte offset %d", int64(len(body))-int64(len(rest)))
		}
	}
	if repeated := DuplicateKeys(body, reflect.TypeOf(dst), ""); len(repeated) > 0 {
		return &DuplicateKeysError{Fields: repeated}
	}
	if unknown := UnknownKeys(body, reflect.TypeOf(dst), ""); len(unknown) > 0 {
		return &UnknownFieldsError{Fields: unknown}
	}
	return nil
}

// UnknownKeys walks raw, JSON that decoded into a value of type t without error, and
// returns, under path prefix, every object key that no field of t names exactly.
func UnknownKeys(raw []byte, t reflect.Type, prefix string) map[string]string {
	unknown := map[string]string{}
	collectUnknownKeys(raw, t, prefix, unknown)
	return unknown
}

// DuplicateKeys walks raw, JSON that decoded into a value of type t without error, and
// returns, under path prefix, every key that appears more than once in its object, at
// any depth (inside values t takes as they are, too). Paths are as UnknownKeys names
// them: struct fields joined with ".", array items and map keys in brackets.
func DuplicateKeys(raw []byte, t reflect.Type, prefix string) map[string]string {
	repeated := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	// raw decoded already, so reading its tokens cannot fail.
	_ = collectDuplicateKeys(dec, t, prefix, repeated)
	return repeated
}

// collectDuplicateKeys reads one value from dec, which t (nil when unknown) describes.
func collectDuplicateKeys(dec *json.Decoder, t reflect.Type, path string, repeated map[string]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	t = described(t)
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := keyTok.(string)
			at, inner := joinPath(path, key), reflect.Type(nil)
			switch {
			case fields != nil:
				inner = fields[key]
			case t != nil && t.Kind() == reflect.Map:
				at, inner = fmt.Sprintf("%s[%s]", path, key), t.Elem()
			}
			if seen[key] {
				repeated[at] = duplicateKey
			}
			seen[key] = true
			if err := collectDuplicateKeys(dec, inner, at, repeated); err != nil {
				return err
			}
		}
	case json.Delim('['):
		var inner reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			inner = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := collectDuplicateKeys(dec, inner, fmt.Sprintf("%s[%d]", path, i), repeated); err != nil {
				return err
			}
		}
	default:
		return nil // a scalar
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// described is t without pointers, or nil when t does not say how its JSON is laid out
// (an interface, or a type that decodes itself).
func described(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return nil
	}
	return t
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// collectUnknownKeys walks raw, JSON that decoded into a value of type t without error,
// and records under its path every object key that no field of t names exactly. Types
// that decode themselves (json.Unmarshaler, encoding.TextUnmarshaler) and interfaces are
// taken as they are.
func collectUnknownKeys(raw []byte, t reflect.Type, path string, unknown map[string]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return // null
		}
		fields := jsonFields(t)
		for key, value := range members {
			fieldType, ok := fields[key]
			if !ok {
				unknown[joinPath(path, key)] = "unknown field"
				continue
			}
			collectUnknownKeys(value, fieldType, joinPath(path, key), unknown)
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return // null, or a []byte sent as base64
		}
		for i, item := range items {
			collectUnknownKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), unknown)
		}
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return
		}
		for key, value := range members {
			collectUnknownKeys(value, t.Elem(), fmt.Sprintf("%s[%s]", path, key), unknown)
		}
	}
}

// jsonFields maps the JSON names of a struct's fields, embedded structs' included, to
// their types, as encoding/json names them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || len(f.Index) > 1 && !promoted(t, f) {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && derefKind(f.Type) == reflect.Struct {
			continue // its fields are listed on their own
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// promoted is true when a field of an embedded struct is promoted to t by encoding/json:
// every struct on the way is embedded without a JSON name.
func promoted(t reflect.Type, f reflect.StructField) bool {
	for depth := 1; depth < len(f.Index); depth++ {
		outer := t.FieldByIndex(f.Index[:depth])
		name, _, _ := strings.Cut(outer.Tag.Get("json"), ",")
		if !outer.Anonymous || name != "" {
			return false
		}
	}
	return true
}

func derefKind(t reflect.Type) reflect.Kind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind()
}

func joinPath(path, key string) string {
	// A key that would make the path ambiguous or empty ("", "a.b", "x[0]") is written
	// quoted in brackets, so every path names exactly one place and is never blank.
	if key == "" || strings.ContainsAny(key, ".[]\"") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeProblem turns encoding/json's errors into API errors that say where the input
// went wrong.
func decodeProblem(err error, body []byte) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return malformed("invalid JSON at byte offset %d: %s", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("invalid JSON: the body ends at byte offset %d in the middle of a value", len(body))
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return malformed("the body must be a JSON object")
		}
		return malformed("field %q must be %s, not %s (byte offset %d)", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value, typeErr.Offset)
	}
	return malformed("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func syntaxProblem(body []byte) error {
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		return malformed("the body must be a JSON object")
	}
	return decodeProblem(err, body)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}
