package definition

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/lumoworkflows/lumo/internal/safetext"
)

// checker gathers the problems of one definition. Field rules live in `validate` tags
// beside the fields (run by validator/v10, with paths built from JSON names); rules that
// depend on other fields are each kind's check method; graph rules are in graph.go.
type checker struct {
	scope    templateScope
	problems Problems
}

func (c *checker) add(path, message string) {
	c.problems = append(c.problems, Problem{Path: path, Message: message})
}

// require reports an empty value as "required".
func (c *checker) require(path, value string) {
	if value == "" {
		c.add(path, "required")
	}
}

// maxLength reports text longer than limit characters.
func (c *checker) maxLength(path, text string, limit int) {
	if n := utf8.RuneCountInString(text); n > limit {
		c.add(path, lengthLimit(n, limit))
	}
}

// template reports unknown names and unclosed braces in a {{…}} text.
func (c *checker) template(path, text string, allowAnswer bool) {
	if msg := c.scope.problem(text, allowAnswer); msg != "" {
		c.add(path, msg)
	}
}

// actions checks the buttons of a template: how many, and that each has a label.
func (c *checker) actions(path string, actions []Action, least, most int) {
	switch {
	case len(actions) < least && least == most:
		c.add(path, fmt.Sprintf("needs exactly %d actions", least))
	case len(actions) < least:
		c.add(path, fmt.Sprintf("needs at least %d action", least))
	case len(actions) > most && least == most:
		c.add(path, fmt.Sprintf("needs exactly %d actions, not %d", most, len(actions)))
	case len(actions) > most:
		c.add(path, countLimit(len(actions), most, "actions"))
	}
	for i := range actions {
		actions[i].check(c, fmt.Sprintf("%s[%d]", path, i), true)
	}
}

// fields runs the validate tags of v, a pointer to a struct, reporting each failing
// field under prefix.
func (c *checker) fields(v any, prefix string) {
	ctx := context.WithValue(context.Background(), scopeKey{}, c.scope)
	err := fieldRules().StructCtx(ctx, v)
	if err == nil {
		return
	}
	var fieldErrs validator.ValidationErrors
	if !errors.As(err, &fieldErrs) {
		// Only a nil or a non-struct gets here, which the callers never pass.
		panic(fmt.Sprintf("definition: validate %T at %q: %v", v, prefix, err))
	}
	for _, fe := range fieldErrs {
		// The namespace starts with the Go type's name; people know only JSON.
		path := fe.Namespace()
		if _, rest, ok := strings.Cut(path, "."); ok {
			path = rest
		}
		c.add(joinPath(prefix, path), c.fieldMessage(fe))
	}
}

// scopeKey carries the template scope to the "tmpl" rule.
type scopeKey struct{}

// fieldRules is the one validator, built on first use; validator caches what it learns
// about each type, so sharing it keeps parsing cheap. Beside validator's own tags it knows:
//
//	notblank     something other than whitespace
//	singleline   one line of plain text: the names rule of internal/safetext (no
//	             control characters, line breaks or invisible direction marks)
//	ident        letters, digits and _, not starting with a digit, up to 64
//	slug         1 to 64 letters, digits, _ or -
//	tmpl         {{…}} placeholders that name known things (tmpl=answer admits {{answer}})
//	httpurl      an http or https URL (httpurl=tmpl: placeholders allowed)
//	httpsurl     an https URL (httpsurl=tmpl: placeholders allowed)
//	actionuri    an http, https, line or tel URI (actionuri=tmpl: placeholders allowed)
//	dataurl      a send_data URL: placeholders only in path segments and query values (data_url.go)
//	duration     a Go duration from 1s up to the parameter
//	rgbcolor     #RRGGBB
//	richmenuid   "richmenu-" and 32 hexadecimal digits
//	hubspotname  a HubSpot internal property name
//
// Custom rules accept "" (required says whether a field may be empty).
var fieldRules = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return f.Name
		}
		return name
	})
	stringRules := map[string]func(s, param string) bool{
		"notblank":    func(s, _ string) bool { return strings.TrimSpace(s) != "" },
		"singleline":  func(s, _ string) bool { return safetext.Valid(s) },
		"ident":       func(s, _ string) bool { return s == "" || isIdent(s) },
		"slug":        func(s, _ string) bool { return s == "" || slugPattern.MatchString(s) },
		"httpurl":     func(s, p string) bool { return validURL(s, p == "tmpl", "http", "https") },
		"httpsurl":    func(s, p string) bool { return validURL(s, p == "tmpl", "https") },
		"actionuri":   func(s, p string) bool { return validURL(s, p == "tmpl", "http", "https", "line", "tel") },
		"dataurl":     func(s, _ string) bool { return DataURLProblem(s) == "" },
		"duration":    func(s, p string) bool { return durationProblem(s, p) == "" },
		"rgbcolor":    func(s, _ string) bool { return s == "" || rgbColorPattern.MatchString(s) },
		"richmenuid":  func(s, _ string) bool { return s == "" || richMenuIDPattern.MatchString(s) },
		"hubspotname": func(s, _ string) bool { return s == "" || hubSpotNamePattern.MatchString(s) },
	}
	for tag, valid := range stringRules {
		mustRegister(v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
			return valid(fl.Field().String(), fl.Param())
		}))
	}
	mustRegister(v.RegisterValidationCtx("tmpl", func(ctx context.Context, fl validator.FieldLevel) bool {
		scope, _ := ctx.Value(scopeKey{}).(templateScope)
		return scope.problem(fl.Field().String(), fl.Param() == "answer") == ""
	}))
	return v
})

func mustRegister(err error) {
	if err != nil {
		// Registration fails only for an empty tag or a nil func: a bug right here.
		panic(fmt.Sprintf("definition: register validation: %v", err))
	}
}

var (
	slugPattern        = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	rgbColorPattern    = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	richMenuIDPattern  = regexp.MustCompile(`^richmenu-[0-9a-f]{32}$`)
	hubSpotNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// fieldMessage says what is wrong with one field, in words a marketer can act on.
func (c *checker) fieldMessage(fe validator.FieldError) string {
	value := fe.Value()
	text, _ := value.(string)
	switch fe.Tag() {
	case "required":
		return "required"
	case "min":
		if isCollection(fe.Kind()) {
			return fmt.Sprintf("needs at least %s %s", fe.Param(), plural(fe.Param(), "item"))
		}
		return fmt.Sprintf("must be at least %s characters", fe.Param())
	case "max":
		limit, _ := strconv.Atoi(fe.Param())
		if isCollection(fe.Kind()) {
			return countLimit(reflect.ValueOf(value).Len(), limit, "items")
		}
		return lengthLimit(utf8.RuneCountInString(text), limit)
	case "oneof":
		return fmt.Sprintf("%s is not one of: %s", quote(text), strings.Join(strings.Fields(fe.Param()), ", "))
	case "eq":
		return fmt.Sprintf("must be %q", fe.Param())
	case "unique":
		return "must not repeat an entry"
	case "notblank":
		return "must not be blank"
	case "singleline":
		return safetext.Problem(text)
	case "ident":
		return "must be a name of letters, digits and _ (not starting with a digit, up to 64)"
	case "slug":
		return "must be 1 to 64 letters, digits, _ or -"
	case "tmpl":
		return c.scope.problem(text, fe.Param() == "answer")
	case "httpurl":
		return "must be an http:// or https:// URL"
	case "httpsurl":
		return "must be an https:// URL (LINE loads images over https only)"
	case "actionuri":
		return "must be an http, https, line or tel URI"
	case "dataurl":
		return DataURLProblem(text)
	case "duration":
		return durationProblem(text, fe.Param())
	case "rgbcolor":
		return "must be a color as #RRGGBB"
	case "richmenuid":
		return `must be a LINE rich menu ID: "richmenu-" and 32 hexadecimal digits`
	case "hubspotname":
		return "must be a HubSpot internal property name: lowercase letters, digits and _"
	case "numeric":
		return "must be digits only"
	case "alphanum":
		return "must be letters and digits only"
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}

// validURL is true for "" and for an absolute URL with one of schemes. When templates
// are allowed, placeholders count as text, and a URL that starts with one gets its
// scheme at run time (a checkout URL from the trigger, say).
func validURL(s string, allowTemplates bool, schemes ...string) bool {
	if s == "" {
		return true
	}
	if strings.Contains(s, "{{") {
		if !allowTemplates {
			return false
		}
		if strings.HasPrefix(strings.TrimSpace(s), "{{") {
			return true
		}
		s = Render(s, func(string) (string, bool) { return "x", true })
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	}
	return u.Opaque != "" || u.Host != "" || u.Path != ""
}

// durationProblem checks a Go duration against [1s, max], or returns "" when it is fine
// or empty.
func durationProblem(s, max string) string {
	if s == "" {
		return ""
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Sprintf(`must be a Go duration such as "90m", "24h" or "1h30m" (up to %s)`, humanDuration(max))
	}
	if d < time.Second {
		return "must be at least 1s"
	}
	if limit, err := time.ParseDuration(max); err == nil && d > limit {
		return fmt.Sprintf("must be at most %s", humanDuration(max))
	}
	return ""
}

// humanDuration spells a limit such as "168h" as `"168h" (7 days)`.
func humanDuration(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil || d%(24*time.Hour) != 0 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q (%d days)", s, d/(24*time.Hour))
}

func isCollection(k reflect.Kind) bool {
	return k == reflect.Slice || k == reflect.Array || k == reflect.Map
}

func countLimit(n, limit int, noun string) string {
	return fmt.Sprintf("%d %s; the limit is %d", n, noun, limit)
}

func lengthLimit(n, limit int) string {
	return fmt.Sprintf("%d characters; the limit is %d", n, limit)
}

func plural(count, noun string) string {
	if count == "1" {
		return noun
	}
	return noun + "s"
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func joinPath(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	case strings.HasPrefix(key, "["):
		return path + key
	}
	return path + "." + key
}
