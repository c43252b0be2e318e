package segments

import (
	"encoding/json"
	"strings"
)

// Definition is a segment's audience: a friend is a member when all the conditions of
// at least one group hold.
type Definition struct {
	Groups []Group `json:"groups"`
}

// Group is a list of conditions that must all hold.
type Group struct {
	Conditions []Condition `json:"conditions"`
}

// Condition tests one property of a friend: Property and Op from closed lists, Value as
// the pair requires (none for exists).
type Condition struct {
	Property string          `json:"property"`
	Op       string          `json:"op"`
	Value    json.RawMessage `json:"value,omitempty"`
}

// Integrations says which outside services a workspace has connected; conditions on a
// service that is not connected are refused by Validate.
type Integrations struct {
	Shopify bool
	HubSpot bool
	Klaviyo bool
}

// The services whose data conditions read, as they are named in property names and in
// the integrations tables.
const (
	ServiceShopify = "shopify"
	ServiceHubSpot = "hubspot"
	ServiceKlaviyo = "klaviyo"
)

// Services lists the services in a stable order.
var Services = []string{ServiceShopify, ServiceHubSpot, ServiceKlaviyo}

// Connected tells whether the service named is connected.
func (in Integrations) Connected(service string) bool {
	switch service {
	case ServiceShopify:
		return in.Shopify
	case ServiceHubSpot:
		return in.HubSpot
	case ServiceKlaviyo:
		return in.Klaviyo
	}
	return false
}

// Operators.
const (
	OpEq           = "eq"
	OpNe           = "ne"
	OpGt           = "gt"
	OpGte          = "gte"
	OpLt           = "lt"
	OpLte          = "lte"
	OpContainsAny  = "contains_any"
	OpContainsAll  = "contains_all"
	OpContainsNone = "contains_none"
	OpExists       = "exists"
	OpIntegrated   = "integrated"
	OpBefore       = "before"
	OpAfter        = "after"
	OpWithinDays   = "within_days"
)

// Operators lists every operator, in the order the documentation gives them.
var Operators = []string{
	OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpContainsAny, OpContainsAll, OpContainsNone,
	OpExists, OpIntegrated, OpBefore, OpAfter, OpWithinDays,
}

// Properties. The names ending in "." take a name after the dot: field.<name>,
// hubspot.property.<name>, klaviyo.property.<name>.
const (
	PropFriendAddedAt             = "friend_added_at"
	PropTag                       = "tag"
	PropField                     = "field."
	PropBlocked                   = "blocked"
	PropLineAccount               = "line_account"
	PropWorkflowEnrolled          = "workflow.enrolled"
	PropWorkflowCompleted         = "workflow.completed"
	PropShopifyIntegrated         = "shopify.integrated"
	PropShopifyTag                = "shopify.tag"
	PropShopifyOrdersCount        = "shopify.orders_count"
	PropShopifyDaysSinceLastOrder = "shopify.days_since_last_order"
	PropShopifyAbandonedCart      = "shopify.abandoned_cart"
	PropHubSpotIntegrated         = "hubspot.integrated"
	PropHubSpotList               = "hubspot.list"
	PropHubSpotProperty           = "hubspot.property."
	PropKlaviyoIntegrated         = "klaviyo.integrated"
	PropKlaviyoList               = "klaviyo.list"
	PropKlaviyoProperty           = "klaviyo.property."
)

// valueKind is what a condition's value must be.
type valueKind int

const (
	noValue         valueKind = iota // exists: no value at all
	boolValue                        // true or false
	optionalBool                     // integrated: true, false, or none (true)
	dateValue                        // "2026-01-02" (the whole UTC day) or RFC 3339
	daysValue                        // a positive whole number of days
	countValue                       // a whole number, 0 or more
	numberValue                      // any number
	scalarValue                      // a string, a number or true/false
	stringValue                      // a non-empty string
	stringListValue                  // a non-empty list of non-empty strings
)

// Ops shared by several properties.
var (
	setOps = map[string]valueKind{
		OpEq: stringValue, OpNe: stringValue,
		OpContainsAny: stringListValue, OpContainsAll: stringListValue, OpContainsNone: stringListValue,
	}
	valueOps = map[string]valueKind{
		OpEq: scalarValue, OpNe: scalarValue,
		OpGt: numberValue, OpGte: numberValue, OpLt: numberValue, OpLte: numberValue,
		OpContainsAny: stringListValue, OpContainsAll: stringListValue, OpContainsNone: stringListValue,
		OpExists: noValue,
	}
	countOps = map[string]valueKind{
		OpEq: countValue, OpNe: countValue, OpGt: countValue, OpGte: countValue, OpLt: countValue, OpLte: countValue,
	}
	integratedOps = map[string]valueKind{OpIntegrated: optionalBool, OpEq: boolValue}
)

// propertyOps is the closed list of properties and, for each, the operators it takes
// and the value each operator needs. A prefix property (ending in ".") is looked up by
// its prefix.
var propertyOps = map[string]map[string]valueKind{
	PropFriendAddedAt: {OpBefore: dateValue, OpAfter: dateValue, OpWithinDays: daysValue},
	PropTag:           setOps,
	PropField:         valueOps,
	PropBlocked:       {OpEq: boolValue},
	PropLineAccount: {
		OpEq: stringValue, OpNe: stringValue, OpContainsAny: stringListValue, OpContainsNone: stringListValue,
	},
	PropWorkflowEnrolled:          {OpEq: stringValue, OpNe: stringValue},
	PropWorkflowCompleted:         {OpEq: stringValue, OpNe: stringValue},
	PropShopifyIntegrated:         integratedOps,
	PropShopifyTag:                setOps,
	PropShopifyOrdersCount:        countOps,
	PropShopifyDaysSinceLastOrder: countOps,
	PropShopifyAbandonedCart:      {OpEq: boolValue, OpWithinDays: daysValue},
	PropHubSpotIntegrated:         integratedOps,
	PropHubSpotList:               setOps,
	PropHubSpotProperty:           valueOps,
	PropKlaviyoIntegrated:         integratedOps,
	PropKlaviyoList:               setOps,
	PropKlaviyoProperty:           valueOps,
}

// Properties lists the property names, prefixes with a trailing ".", in the order the
// documentation gives them.
var Properties = []string{
	PropFriendAddedAt, PropTag, PropField, PropBlocked, PropLineAccount,
	PropWorkflowEnrolled, PropWorkflowCompleted,
	PropShopifyIntegrated, PropShopifyTag, PropShopifyOrdersCount, PropShopifyDaysSinceLastOrder, PropShopifyAbandonedCart,
	PropHubSpotIntegrated, PropHubSpotList, PropHubSpotProperty,
	PropKlaviyoIntegrated, PropKlaviyoList, PropKlaviyoProperty,
}

// OperatorsOf returns the operators property takes (a prefix property by its prefix,
// "field."), or nil for a property that is not in the list.
func OperatorsOf(property string) []string {
	ops := propertyOps[property]
	var out []string
	for _, op := range Operators {
		if _, ok := ops[op]; ok {
			out = append(out, op)
		}
	}
	return out
}

// splitProperty returns the catalogue key of property and, for a prefix property, the
// name after the prefix ("field.drink" is "field." and "drink"). ok is false for a
// property that is not in the list.
func splitProperty(property string) (key, name string, ok bool) {
	if _, ok := propertyOps[property]; ok && !strings.HasSuffix(property, ".") {
		return property, "", true
	}
	for _, prefix := range []string{PropField, PropHubSpotProperty, PropKlaviyoProperty} {
		if rest, found := strings.CutPrefix(property, prefix); found {
			return prefix, rest, true
		}
	}
	return "", "", false
}

// serviceOf is the service a property's data comes from, "" for the friend's own.
func serviceOf(key string) string {
	service, _, found := strings.Cut(key, ".")
	if !found {
		return ""
	}
	for _, s := range Services {
		if s == service {
			return s
		}
	}
	return ""
}
