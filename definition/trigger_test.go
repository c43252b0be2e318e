package definition

import (
	"slices"
	"testing"
)

func TestTriggerTypes_CoverTheContract(t *testing.T) {
	types := TriggerTypes()
	for _, want := range []string{"friend_added", "message_received", "postback_received", "qr_code_scanned", "video_view_completed", "blocked", "manual", "shopify.cart_abandoned", "klaviyo.flow_webhook", "hubspot.workflow_action"} {
		if !slices.Contains(types, want) {
			t.Errorf("no trigger type %q", want)
		}
	}
}

func TestTriggerProvides(t *testing.T) {
	names, dynamic := TriggerProvides(TriggerShopifyCartAbandoned)
	if dynamic || !slices.Contains(names, "checkoutUrl") || !slices.Contains(names, "productTitle") {
		t.Errorf("cart abandoned provides %v, dynamic %v", names, dynamic)
	}
	if _, dynamic := TriggerProvides(TriggerKlaviyoFlowWebhook); !dynamic {
		t.Error("a Klaviyo flow webhook carries the flow's own fields")
	}
	if names, _ := TriggerProvides("nope"); names != nil {
		t.Errorf("unknown trigger provides %v", names)
	}
}

func TestTrigger_MessageReceivedWithoutMatchTakesEveryMessage(t *testing.T) {
	d := mustParse(t, []byte(file(`{"type":"message_received"}`, hello("a"))))
	if d.Trigger.Match != nil {
		t.Errorf("match = %+v", d.Trigger.Match)
	}
}
