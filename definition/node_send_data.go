package definition

// SendData POSTs a JSON object to URL, signed so the receiver can trust it:
//
//	X-Lumo-Signature: sha256=<hex HMAC-SHA256 of the body>
//	X-Lumo-Timestamp: <unix seconds>  (also inside the signed body)
//
// The HMAC key is the workspace secret SecretRef names, or the workspace's default
// signing secret when SecretRef is empty. A definition only ever names a secret, so
// exports and templates carry no credentials. Payload values are {{…}} texts; without
// a payload the body carries the friend (id, LINE user ID, display name) and the
// trigger's properties. A 2xx answer is success; anything else, after retries, takes
// failed.
//
//	{"id": "notify", "type": "send_data", "url": "https://example.com/hooks/lumo",
//	 "payload": {"email": "{{friend.fields.email}}"}, "next": "thanks"}
type SendData struct {
	NodeBase
	URL       string            `json:"url,omitempty" validate:"required,max=2000,httpurl=tmpl,tmpl"`
	Payload   map[string]string `json:"payload,omitempty" validate:"max=50,dive,keys,slug,endkeys,max=2000,tmpl"`
	SecretRef string            `json:"secretRef,omitempty" validate:"omitempty,slug"`
}

func (n *SendData) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *SendData) check(*checker, string) {}
