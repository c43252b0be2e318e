package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/internal/strictjson"
)

// bind reads the request body as one strict JSON object into dst and validates it: the
// one way a handler takes input. The body limit middleware has already capped the body.
func (s *server) bind(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge(tooBig.Limit)
		}
		return malformedJSON("could not read the request body")
	}
	return decodeAndValidate(s.validate, body, dst)
}

// decodeAndValidate is bind without the HTTP: decode body strictly into dst, then run the
// struct's validate tags and report every failing field at once.
func decodeAndValidate(v *inputValidator, body []byte, dst any) error {
	if err := decodeStrict(body, dst); err != nil {
		return err
	}
	return v.check(dst)
}

// decodeStrict decodes exactly one JSON object into dst: a malformed body, or one with a
// key twice in an object, is a 400; keys dst does not have are a 422 naming each one.
func decodeStrict(body []byte, dst any) error {
	err := strictjson.Decode(body, dst)
	var syntax *strictjson.SyntaxError
	var unknown *strictjson.UnknownFieldsError
	var repeated *strictjson.DuplicateKeysError
	switch {
	case errors.As(err, &syntax):
		return malformedJSON("%s", syntax.Message)
	case errors.As(err, &repeated):
		return duplicateKeys(repeated.Fields)
	case errors.As(err, &unknown):
		return validationFailed(unknown.Fields)
	}
	return err
}

// duplicateKeys is the 400 for a body that repeats keys, naming each by path: which of
// the values was meant cannot be known, so the body is malformed rather than invalid.
func duplicateKeys(fields map[string]string) *Error {
	e := malformedJSON("the body has a key twice in one object; send each key once")
	e.Fields = fields
	return e
}
