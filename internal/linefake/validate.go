package linefake

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf16"
)

const (
	maxMessages         = 5
	maxMulticastTargets = 500
	maxTextLength       = 5000 // UTF-16 code units: LINE counts a surrogate pair as two
)

type pushBody struct {
	To                     string            `json:"to"`
	Messages               []json.RawMessage `json:"messages"`
	NotificationDisabled   bool              `json:"notificationDisabled"`
	CustomAggregationUnits []string          `json:"customAggregationUnits"`
}

type replyBody struct {
	ReplyToken           string            `json:"replyToken"`
	Messages             []json.RawMessage `json:"messages"`
	NotificationDisabled bool              `json:"notificationDisabled"`
}

type multicastBody struct {
	To                     []string          `json:"to"`
	Messages               []json.RawMessage `json:"messages"`
	NotificationDisabled   bool              `json:"notificationDisabled"`
	CustomAggregationUnits []string          `json:"customAggregationUnits"`
}

// decode parses a request body the way LINE reports trouble: unparseable JSON is one
// message, a property of the wrong type another.
func decode(body []byte, v any) *response {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		resp := invalidProperty(typeErr.Field)
		return &resp
	}
	resp := lineError(http.StatusBadRequest, msgBadJSON)
	return &resp
}

// messageFields lists, per message type LINE knows, the properties it cannot do without.
var messageFields = map[string][]string{
	"text":     {"text"},
	"textV2":   {"text"},
	"image":    {"originalContentUrl", "previewImageUrl"},
	"video":    {"originalContentUrl", "previewImageUrl"},
	"audio":    {"originalContentUrl", "duration"},
	"location": {"title", "address", "latitude", "longitude"},
	"sticker":  {"packageId", "stickerId"},
	"imagemap": {"baseUrl", "altText", "baseSize", "actions"},
	"template": {"altText", "template"},
	"flex":     {"altText", "contents"},
	"coupon":   {"couponId"},
}

const knownTypes = "[text, textV2, image, video, audio, location, sticker, imagemap, template, flex, coupon]"

// validateMessages checks a messages array as LINE does: one to five message objects,
// each of a known type with its required properties, text within 5,000 characters.
func validateMessages(messages []json.RawMessage) []errorDetail {
	if len(messages) < 1 || len(messages) > maxMessages {
		return []errorDetail{{Message: fmt.Sprintf("Size must be between 1 and %d", maxMessages), Property: "messages"}}
	}
	var details []errorDetail
	for i, raw := range messages {
		prefix := fmt.Sprintf("messages[%d]", i)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			details = append(details, errorDetail{Message: "Must be an object", Property: prefix})
			continue
		}
		var typ string
		_ = json.Unmarshal(fields["type"], &typ)
		required, known := messageFields[typ]
		if !known {
			details = append(details, errorDetail{
				Message:  "Must be one of the following values: " + knownTypes,
				Property: prefix + ".type",
			})
			continue
		}
		for _, name := range required {
			if isEmpty(fields[name]) {
				details = append(details, errorDetail{Message: "May not be empty", Property: prefix + "." + name})
			}
		}
		if typ == "text" || typ == "textV2" {
			var text string
			if json.Unmarshal(fields["text"], &text) == nil && len(utf16.Encode([]rune(text))) > maxTextLength {
				details = append(details, errorDetail{
					Message:  fmt.Sprintf("Length must be between 0 and %d", maxTextLength),
					Property: prefix + ".text",
				})
			}
		}
	}
	return details
}

func isEmpty(raw json.RawMessage) bool {
	switch string(raw) {
	case "", "null", `""`, "[]", "{}":
		return true
	}
	return false
}

// validateAggregationUnits checks customAggregationUnits: LINE takes at most one name.
func validateAggregationUnits(units []string) []errorDetail {
	if len(units) > 1 {
		return []errorDetail{{Message: "Size must be between 0 and 1", Property: "customAggregationUnits"}}
	}
	return nil
}

// validateMulticastTargets checks multicast's to: 1 to 500 user IDs.
func validateMulticastTargets(to []string) []errorDetail {
	if len(to) < 1 || len(to) > maxMulticastTargets {
		return []errorDetail{{Message: fmt.Sprintf("Size must be between 1 and %d", maxMulticastTargets), Property: "to"}}
	}
	var details []errorDetail
	for i, id := range to {
		if !isUserID(id) {
			details = append(details, errorDetail{Message: "Must be a valid user ID", Property: fmt.Sprintf("to[%d]", i)})
		}
	}
	return details
}
