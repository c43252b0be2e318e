package definition

// HubSpotUpdateProperty sets a property of the friend's HubSpot contact. Property is
// HubSpot's internal name (lowercase, digits, underscores); Value is a {{…}} text.
//
//	{"id": "crm", "type": "hubspot.update_property", "property": "favorite_drink",
//	 "value": "{{friend.fields.drink}}", "next": "done"}
type HubSpotUpdateProperty struct {
	NodeBase
	Property string `json:"property,omitempty" validate:"required,max=100,hubspotname"`
	Value    string `json:"value,omitempty" validate:"max=2000,tmpl"`
}

func (n *HubSpotUpdateProperty) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *HubSpotUpdateProperty) check(*checker, string) {}

// HubSpotAddToList adds the friend's HubSpot contact to a static list (its numeric ID).
//
//	{"id": "list", "type": "hubspot.add_to_list", "listId": "123", "next": "done"}
type HubSpotAddToList struct {
	NodeBase
	ListID string `json:"listId,omitempty" validate:"required,max=20,numeric"`
}

func (n *HubSpotAddToList) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *HubSpotAddToList) check(*checker, string) {}

// KlaviyoUpdateProperty sets a custom property of the friend's Klaviyo profile.
//
//	{"id": "profile", "type": "klaviyo.update_property", "property": "LINE drink",
//	 "value": "{{friend.fields.drink}}", "next": "done"}
type KlaviyoUpdateProperty struct {
	NodeBase
	Property string `json:"property,omitempty" validate:"required,notblank,max=100,singleline"`
	Value    string `json:"value,omitempty" validate:"max=2000,tmpl"`
}

func (n *KlaviyoUpdateProperty) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *KlaviyoUpdateProperty) check(*checker, string) {}

// KlaviyoAddToList adds the friend's Klaviyo profile to a list (its ID, as "XyZ123").
//
//	{"id": "list", "type": "klaviyo.add_to_list", "listId": "XyZ123", "next": "done"}
type KlaviyoAddToList struct {
	NodeBase
	ListID string `json:"listId,omitempty" validate:"required,max=64,alphanum"`
}

func (n *KlaviyoAddToList) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *KlaviyoAddToList) check(*checker, string) {}
