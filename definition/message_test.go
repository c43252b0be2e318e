package definition

import (
	"testing"
)

func TestMessage_TemplatedURLsGetTheirSchemeAtRunTime(t *testing.T) {
	d := mustParse(t, []byte(file(`{"type":"shopify.restock"}`, `{"id":"a","type":"send_message","messages":[
		{"type":"product","title":"{{trigger.productTitle}}","price":"{{trigger.price}}","imageUrl":"{{trigger.productImageUrl}}","url":"{{trigger.productUrl}}?utm_source=line"}]}`)))
	if got := d.Nodes[0].(*SendMessage).Messages[0].URL; got != "{{trigger.productUrl}}?utm_source=line" {
		t.Errorf("url = %q", got)
	}
}

func TestMessage_FlexCarouselOfBubbles(t *testing.T) {
	mustParse(t, []byte(withMessage(`{"type":"flex","altText":"Menu","contents":{"type":"carousel","contents":[{"type":"bubble"},{"type":"bubble"}]}}`)))
	_, problems := Parse([]byte(withMessage(`{"type":"flex","altText":"Menu","contents":{"type":"carousel","contents":[`+
		`{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},`+
		`{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"},{"type":"bubble"}]}}`)), DefaultLimits)
	if len(problems.At("nodes[0].messages[0].contents.contents")) != 1 {
		t.Errorf("13 bubbles should be too many:\n%s", describe(problems))
	}
}

func TestAction_URISchemes(t *testing.T) {
	for uri, ok := range map[string]bool{
		"https://example.com":         true,
		"http://example.com/a?b=c":    true,
		"line://ti/p/@example":        true,
		"tel:0312345678":              true,
		"https://":                    false,
		"javascript:alert(1)":         false,
		"https://exa mple.com":        false,
		"{{trigger.checkoutUrl}}":     true,
		"https://e.com/{{vars.page}}": true,
	} {
		if got := validURL(uri, true, "http", "https", "line", "tel"); got != ok {
			t.Errorf("validURL(%q) = %v, want %v", uri, got, ok)
		}
	}
}
