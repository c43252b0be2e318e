package api

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/lumoworkflows/lumo/internal/safetext"
)

// inputValidator runs the `validate` struct tags of request types and reports every
// failing field at once, keyed by its JSON path ("channelId", "nodes[2].next"), with a
// message a person can act on.
//
// Besides validator's own tags it knows:
//
//	notblank    a string with something other than whitespace
//	singleline  one line of plain text: the names rule of internal/safetext (no control
//	            characters, line breaks or invisible direction marks)
//	linesecret  a LINE channel secret: 32 hexadecimal characters
//	token       printable ASCII without spaces, as bearer tokens are
type inputValidator struct {
	v *validator.Validate
}

func newInputValidator() *inputValidator {
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
	custom := map[string]func(string) bool{
		"notblank":   func(s string) bool { return strings.TrimSpace(s) != "" },
		"singleline": safetext.Valid,
		"linesecret": isLineChannelSecret,
		"token":      isPrintableASCIIWord,
	}
	for tag, valid := range custom {
		// Registration fails only for an empty tag or a nil func.
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return valid(fl.Field().String()) }); err != nil {
			panic(fmt.Sprintf("register validation %q: %v", tag, err))
		}
	}
	return &inputValidator{v: v}
}

// check validates dst, a pointer to a struct, and returns a validation_failed *Error
// naming every bad field, or nil.
func (iv *inputValidator) check(dst any) error {
	err := iv.v.Struct(dst)
	if err == nil {
		return nil
	}
	var fieldErrs validator.ValidationErrors
	if !errors.As(err, &fieldErrs) {
		return fmt.Errorf("validate %T: %w", dst, err)
	}
	fields := make(map[string]string, len(fieldErrs))
	for _, fe := range fieldErrs {
		path := fe.Namespace()
		// The namespace starts with the Go type's name; the client knows only JSON.
		if _, rest, ok := strings.Cut(path, "."); ok {
			path = rest
		}
		if _, seen := fields[path]; !seen {
			fields[path] = problem(fe)
		}
	}
	return validationFailed(fields)
}

// problem says what is wrong with one field, in words that match the OpenAPI document.
func problem(fe validator.FieldError) string {
	unit := "characters"
	if k := fe.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
		unit = "items"
	}
	switch fe.Tag() {
	case "required":
		return "required"
	case "min":
		return fmt.Sprintf("must be at least %s %s", fe.Param(), unit)
	case "max":
		return fmt.Sprintf("must be at most %s %s", fe.Param(), unit)
	case "len":
		return fmt.Sprintf("must be exactly %s %s", fe.Param(), unit)
	case "number":
		return "must contain only the digits 0-9"
	case "notblank":
		return "must not be blank"
	case "singleline":
		text, _ := fe.Value().(string)
		return safetext.Problem(text)
	case "linesecret":
		return "must be the 32 hexadecimal characters of the channel secret (LINE Developers console, Basic settings)"
	case "token":
		return "must be printable ASCII without spaces or line breaks"
	case "oneof":
		return "must be one of: " + fe.Param()
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}

// isLineChannelSecret accepts what LINE issues as a channel secret: 32 hex digits. Being
// exact here catches the common mistake of pasting the access token or the channel ID
// into the secret field, which would otherwise surface much later as every webhook
// failing its signature check.
func isLineChannelSecret(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// isPrintableASCIIWord is true for a non-empty run of printable ASCII other than space.
func isPrintableASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}
