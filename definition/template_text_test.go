package definition

import (
	"reflect"
	"testing"
)

func TestRender(t *testing.T) {
	values := map[string]string{"friend.displayName": "Hanako", "vars.coupon": "SPRING10", "trigger.text": ""}
	lookup := func(name string) (string, bool) {
		v, ok := values[name]
		return v, ok
	}
	cases := []struct{ name, text, want string }{
		{"known names", "Hi {{friend.displayName}}, use {{vars.coupon}}!", "Hi Hanako, use SPRING10!"},
		{"an unknown name renders empty", "Hi {{friend.nickname}}!", "Hi !"},
		{"a known empty value", "[{{trigger.text}}]", "[]"},
		{"spaces inside the braces", "Hi {{  friend.displayName \t}}", "Hi Hanako"},
		{"an unclosed placeholder stays as written", "Hi {{friend.displayName", "Hi {{friend.displayName"},
		{"text after the last placeholder", "{{friend.displayName}} }} {{vars.coupon", "Hanako }} {{vars.coupon"},
		{"no placeholder", "plain", "plain"},
		{"multibyte text", "こんにちは、{{friend.displayName}}さん", "こんにちは、Hanakoさん"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Render(tc.text, lookup); got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestTemplateNames(t *testing.T) {
	names, err := TemplateNames("{{ friend.displayName }} and {{vars.x}}{{trigger.text}}")
	if err != nil || !reflect.DeepEqual(names, []string{"friend.displayName", "vars.x", "trigger.text"}) {
		t.Errorf("TemplateNames = %v, %v", names, err)
	}
	if _, err := TemplateNames("ok {{x}} then {{broken"); err == nil || err.Error() != `unclosed "{{" at character 15; close it with "}}"` {
		t.Errorf("err = %v", err)
	}
}

func TestTemplateScope_KnowsWhatEachTriggerProvides(t *testing.T) {
	cases := []struct {
		trigger, text string
		ok            bool
	}{
		{TriggerMessageReceived, "{{trigger.text}}", true},
		{TriggerPostbackReceived, "{{trigger.data}} {{trigger.params}}", true},
		{TriggerQRCodeScanned, "{{trigger.qrCodeId}}", true},
		{TriggerShopifyCartAbandoned, "{{trigger.checkoutUrl}} {{trigger.productTitle}}", true},
		{TriggerShopifyShippingCompleted, "{{trigger.trackingUrl}}", true},
		{TriggerKlaviyoFlowWebhook, "{{trigger.anything_the_flow_sends}}", true},
		{TriggerHubSpotWorkflowAction, "{{trigger.deal.amount}}", true},
		{TriggerManual, "{{trigger.text}}", false},
		{TriggerBlocked, "{{friend.fields.last_order}}", true},
		{TriggerFriendAdded, "{{friend.fields.a.b}}", false},
	}
	for _, tc := range cases {
		problem := templateScope{trigger: tc.trigger}.problem(tc.text, false)
		if (problem == "") != tc.ok {
			t.Errorf("%s %q: problem %q, want ok=%v", tc.trigger, tc.text, problem, tc.ok)
		}
	}
}
