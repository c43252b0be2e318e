package workflows

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// renderMessages turns definition messages into LINE message objects for one friend:
// every {{…}} in every string filled in, product cards made flex bubbles.
func renderMessages(messages []definition.Message, lookup func(string) (string, bool)) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(messages))
	for i, m := range messages {
		var value any
		if m.Type == definition.MessageProduct {
			value = productBubble(m)
		} else {
			raw, err := json.Marshal(m)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			if err := json.Unmarshal(raw, &value); err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
		}
		rendered, err := json.Marshal(renderStrings(value, lookup))
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		out = append(out, rendered)
	}
	return out, nil
}

// RenderMessages renders messages outside a run, exactly as a step would send them: for
// the API's preview and test send of an auto message. FriendLookup makes its lookup.
func RenderMessages(messages []definition.Message, lookup func(string) (string, bool)) ([]json.RawMessage, error) {
	return renderMessages(messages, lookup)
}

// FriendLookup resolves template names the way a run does for the friend (nil: no
// friend): {{friend.…}} from the snapshot; {{trigger.…}} and {{vars.…}}, which belong to
// a run, resolve to nothing.
func FriendLookup(friend *activities.FriendSnapshot) func(string) (string, bool) {
	return (&journey{}).lookup(friend, nil)
}

// renderStrings fills the placeholders of every string inside v.
func renderStrings(v any, lookup func(string) (string, bool)) any {
	switch v := v.(type) {
	case string:
		return definition.Render(v, lookup)
	case map[string]any:
		for k, item := range v {
			v[k] = renderStrings(item, lookup)
		}
		return v
	case []any:
		for i, item := range v {
			v[i] = renderStrings(item, lookup)
		}
		return v
	}
	return v
}

// productBubble is a product card as a LINE flex message: the picture, title, price and
// description, the whole card and a button opening the product page.
func productBubble(m definition.Message) map[string]any {
	open := map[string]any{"type": "uri", "label": "View", "uri": m.URL}
	body := []any{
		map[string]any{"type": "text", "text": m.Title, "weight": "bold", "size": "lg", "wrap": true},
		map[string]any{"type": "text", "text": m.Price, "size": "md", "color": "#111111", "margin": "md"},
	}
	if m.Description != "" {
		body = append(body, map[string]any{"type": "text", "text": m.Description, "size": "sm", "color": "#666666", "wrap": true, "margin": "md"})
	}
	bubble := map[string]any{
		"type": "bubble",
		"hero": map[string]any{
			"type": "image", "url": m.ImageURL, "size": "full", "aspectRatio": "20:13", "aspectMode": "cover",
			"action": open,
		},
		"body":   map[string]any{"type": "box", "layout": "vertical", "contents": body},
		"footer": map[string]any{"type": "box", "layout": "vertical", "contents": []any{map[string]any{"type": "button", "style": "primary", "action": open}}},
	}
	message := map[string]any{"type": "flex", "altText": m.Title, "contents": bubble}
	if m.QuickReply != nil {
		raw, _ := json.Marshal(m.QuickReply)
		var quickReply any
		_ = json.Unmarshal(raw, &quickReply)
		message["quickReply"] = quickReply
	}
	return message
}

// formatValue writes a field value the way a person reads it: 31 rather than 31.000000.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
