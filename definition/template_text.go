package definition

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Texts shown to friends, and a few other strings (URLs, payload values), may hold
// placeholders: {{friend.displayName}}, {{ friend.fields.drink }}, {{trigger.text}},
// {{vars.coupon}}. Spaces inside the braces are allowed. There is no escape for a
// literal "{{"; a "}}" on its own is plain text.
//
// The names a placeholder may use:
//
//	friend.displayName, friend.lineUserId, friend.pictureUrl, friend.language
//	friend.fields.X   any friend field (X is an identifier: letters, digits, _)
//	trigger.X         what the trigger type provides (TriggerProvides)
//	vars.X            X must be listed in the definition's vars
//	answer            only in a question's saveTo.tag: the validated answer
//
// An unknown name renders empty, and validation reports it.

// friendProperties are the friend.X names besides friend.fields.X.
var friendProperties = []string{"displayName", "lineUserId", "pictureUrl", "language"}

// FriendProperties lists the friend.X names a text may use, besides friend.fields.X.
func FriendProperties() []string { return slices.Clone(friendProperties) }

// placeholder is one {{…}} in a text: its name (trimmed) and the byte offsets of its
// opening and just past its closing braces.
type placeholder struct {
	name       string
	start, end int
}

// scanPlaceholders finds the placeholders in text. unclosed is the byte offset of a
// "{{" that no "}}" follows, or -1; scanning stops there.
func scanPlaceholders(text string) (found []placeholder, unclosed int) {
	for i := 0; ; {
		open := strings.Index(text[i:], "{{")
		if open < 0 {
			return found, -1
		}
		open += i
		closing := strings.Index(text[open+2:], "}}")
		if closing < 0 {
			return found, open
		}
		end := open + 2 + closing + 2
		found = append(found, placeholder{name: strings.TrimSpace(text[open+2 : end-2]), start: open, end: end})
		i = end
	}
}

// TemplateNames returns the names of text's placeholders in order, or an error for an
// unclosed "{{".
func TemplateNames(text string) ([]string, error) {
	found, unclosed := scanPlaceholders(text)
	if unclosed >= 0 {
		return nil, errors.New(unclosedMessage(text, unclosed))
	}
	names := make([]string, len(found))
	for i, p := range found {
		names[i] = p.name
	}
	return names, nil
}

// Render fills text's placeholders with lookup's values. A name lookup does not know
// renders empty; an unclosed "{{" and everything after it stay as written.
func Render(text string, lookup func(name string) (string, bool)) string {
	found, _ := scanPlaceholders(text)
	if len(found) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, p := range found {
		b.WriteString(text[last:p.start])
		if v, ok := lookup(p.name); ok {
			b.WriteString(v)
		}
		last = p.end
	}
	b.WriteString(text[last:])
	return b.String()
}

func unclosedMessage(text string, at int) string {
	return fmt.Sprintf(`unclosed "{{" at character %d; close it with "}}"`, utf8.RuneCountInString(text[:at])+1)
}

// templateScope is what placeholders in one definition may name.
type templateScope struct {
	trigger string
	vars    []string
}

// problem describes what is wrong with text's placeholders, or returns "".
// allowAnswer admits {{answer}} (a question's saveTo.tag).
func (s templateScope) problem(text string, allowAnswer bool) string {
	found, unclosed := scanPlaceholders(text)
	var problems []string
	for _, p := range found {
		if msg := s.nameProblem(p.name, allowAnswer); msg != "" && !slices.Contains(problems, msg) {
			problems = append(problems, msg)
		}
	}
	if unclosed >= 0 {
		problems = append(problems, unclosedMessage(text, unclosed))
	}
	return strings.Join(problems, "; ")
}

func (s templateScope) nameProblem(name string, allowAnswer bool) string {
	if name == "" {
		return `empty placeholder "{{}}"`
	}
	segments := strings.Split(name, ".")
	for _, seg := range segments {
		if !isIdent(seg) {
			return fmt.Sprintf("%q is not a name: use friend.X, trigger.X or vars.X", name)
		}
	}
	switch segments[0] {
	case "friend":
		switch {
		case len(segments) == 2 && slices.Contains(friendProperties, segments[1]):
			return ""
		case len(segments) == 3 && segments[1] == "fields":
			return ""
		}
		return fmt.Sprintf("unknown name %q; friend has %s and fields.<name>", name, strings.Join(friendProperties, ", "))
	case "trigger":
		return s.triggerNameProblem(name, segments[1:])
	case "vars":
		if len(segments) == 2 && slices.Contains(s.vars, segments[1]) {
			return ""
		}
		if len(segments) == 2 {
			return fmt.Sprintf("unknown name %q; declare %q in vars", name, segments[1])
		}
	case "answer":
		if allowAnswer && len(segments) == 1 {
			return ""
		}
		if len(segments) == 1 {
			return `{{answer}} is only known in a question's saveTo.tag`
		}
	}
	return fmt.Sprintf("unknown name %q; names start with friend., trigger. or vars.", name)
}

func (s templateScope) triggerNameProblem(name string, rest []string) string {
	spec, ok := findTrigger(s.trigger)
	if !ok {
		return "" // the trigger type itself is reported
	}
	if spec.dynamic && len(rest) > 0 {
		return ""
	}
	if len(rest) == 1 && slices.Contains(spec.provides, rest[0]) {
		return ""
	}
	if len(spec.provides) == 0 {
		return fmt.Sprintf("unknown name %q; %s trigger provides no trigger.X names", name, article(spec.typ))
	}
	return fmt.Sprintf("unknown name %q; %s trigger provides %s", name, article(spec.typ), strings.Join(spec.provides, ", "))
}

// isIdent is true for an ASCII identifier of up to 64 characters: a letter or _, then
// letters, digits and _. Friend fields, vars and template names are identifiers.
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
