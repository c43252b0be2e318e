package definition

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Trigger types: what makes a friend enter a workflow.
const (
	TriggerFriendAdded              = "friend_added"
	TriggerMessageReceived          = "message_received"
	TriggerPostbackReceived         = "postback_received"
	TriggerQRCodeScanned            = "qr_code_scanned"
	TriggerVideoViewCompleted       = "video_view_completed"
	TriggerBlocked                  = "blocked"
	TriggerManual                   = "manual"
	TriggerShopifyCartAbandoned     = "shopify.cart_abandoned"
	TriggerShopifyRestock           = "shopify.restock"
	TriggerShopifyPurchase          = "shopify.purchase"
	TriggerShopifyShippingCompleted = "shopify.shipping_completed"
	TriggerShopifyBrowsingReminder  = "shopify.browsing_reminder"
	TriggerKlaviyoFlowWebhook       = "klaviyo.flow_webhook"
	TriggerHubSpotWorkflowAction    = "hubspot.workflow_action"
)

// Keyword match modes of a message_received trigger.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
	MatchRegex    = "regex"
)

// Trigger is the one event that enrolls a friend. Type decides which other fields it
// takes (a field another type takes is an unknown field):
//
//	message_received      match (optional; without it every text message matches)
//	postback_received     data (required): postback data starting with it matches
//	qr_code_scanned       qrCodeId (optional): that QR code, or any of the account's
//	video_view_completed  trackingId (required): the trackingId of the video message
//
// Every other type takes no fields.
type Trigger struct {
	Type       string        `json:"type"`
	Match      *KeywordMatch `json:"match,omitempty"`
	Data       string        `json:"data,omitempty" validate:"max=300"`
	QRCodeID   string        `json:"qrCodeId,omitempty" validate:"max=100,singleline"`
	TrackingID string        `json:"trackingId,omitempty" validate:"max=100,singleline"`
}

// KeywordMatch says which text messages fire a message_received trigger. exact and
// contains compare case-insensitively after trimming spaces; regex uses Go's regexp
// syntax (RE2) and matches anywhere in the message text (anchor it with ^…$).
type KeywordMatch struct {
	Mode     string   `json:"mode" validate:"required,oneof=exact contains regex"`
	Keywords []string `json:"keywords" validate:"required,min=1,max=100,unique,dive,notblank,max=200"`
}

// triggerSpec is the table from trigger type to its fields and to the names
// {{trigger.X}} may use in texts.
type triggerSpec struct {
	typ    string
	fields []string
	// provides are the trigger.X names the event carries.
	provides []string
	// dynamic triggers carry whatever the sender put in them, so any trigger.X
	// identifier is accepted (and renders empty when the event lacks it).
	dynamic bool
}

var (
	shopifyProduct  = []string{"productId", "productTitle", "productUrl", "productImageUrl", "price", "currency"}
	shopifyCheckout = slices.Concat([]string{"checkoutId", "checkoutUrl", "totalPrice"}, shopifyProduct)
	shopifyOrder    = []string{"orderId", "orderName", "orderStatusUrl", "totalPrice", "currency", "productTitle", "productUrl", "productImageUrl"}
	shopifyShipping = []string{"orderId", "orderName", "orderStatusUrl", "trackingNumber", "trackingUrl", "carrier"}
)

var triggerSpecs = []triggerSpec{
	{typ: TriggerFriendAdded, provides: []string{"isUnblocked"}},
	{typ: TriggerMessageReceived, fields: []string{"match"}, provides: []string{"text"}},
	{typ: TriggerPostbackReceived, fields: []string{"data"}, provides: []string{"data", "params"}},
	{typ: TriggerQRCodeScanned, fields: []string{"qrCodeId"}, provides: []string{"qrCodeId"}},
	{typ: TriggerVideoViewCompleted, fields: []string{"trackingId"}, provides: []string{"trackingId"}},
	{typ: TriggerBlocked},
	{typ: TriggerManual},
	{typ: TriggerShopifyCartAbandoned, provides: shopifyCheckout},
	{typ: TriggerShopifyRestock, provides: shopifyProduct},
	{typ: TriggerShopifyPurchase, provides: shopifyOrder},
	{typ: TriggerShopifyShippingCompleted, provides: shopifyShipping},
	{typ: TriggerShopifyBrowsingReminder, provides: shopifyProduct},
	{typ: TriggerKlaviyoFlowWebhook, dynamic: true},
	{typ: TriggerHubSpotWorkflowAction, dynamic: true},
}

// TriggerTypes lists every trigger type, in a fixed order.
func TriggerTypes() []string {
	types := make([]string, len(triggerSpecs))
	for i, t := range triggerSpecs {
		types[i] = t.typ
	}
	return types
}

// TriggerProvides lists the names a trigger type fills in for {{trigger.X}}. dynamic is
// true for webhook triggers (klaviyo.flow_webhook, hubspot.workflow_action), which
// carry the sender's own fields: any identifier is accepted there.
func TriggerProvides(triggerType string) (names []string, dynamic bool) {
	spec, ok := findTrigger(triggerType)
	if !ok {
		return nil, false
	}
	return slices.Clone(spec.provides), spec.dynamic
}

func findTrigger(typ string) (triggerSpec, bool) {
	i := slices.IndexFunc(triggerSpecs, func(t triggerSpec) bool { return t.typ == typ })
	if i < 0 {
		return triggerSpec{}, false
	}
	return triggerSpecs[i], true
}

func (t *Trigger) variantFields() ([]string, string, bool) {
	spec, ok := findTrigger(t.Type)
	return spec.fields, article(t.Type) + " trigger", ok
}

func (t *Trigger) check(c *checker) {
	switch {
	case *t == Trigger{}:
		c.add("trigger", "required: the event that starts the workflow, such as {\"type\": \"friend_added\"}")
		return
	case t.Type == "":
		c.add("trigger.type", "required; one of: "+strings.Join(TriggerTypes(), ", "))
		return
	}
	if _, ok := findTrigger(t.Type); !ok {
		c.add("trigger.type", fmt.Sprintf("unknown trigger type %q; use one of: %s", t.Type, strings.Join(TriggerTypes(), ", ")))
		return
	}
	switch t.Type {
	case TriggerPostbackReceived:
		c.require("trigger.data", t.Data)
	case TriggerVideoViewCompleted:
		c.require("trigger.trackingId", t.TrackingID)
	case TriggerMessageReceived:
		if t.Match != nil && t.Match.Mode == MatchRegex {
			for i, k := range t.Match.Keywords {
				if _, err := regexp.Compile(k); err != nil {
					c.add(fmt.Sprintf("trigger.match.keywords[%d]", i), "not a valid regular expression: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
			}
		}
	}
}
