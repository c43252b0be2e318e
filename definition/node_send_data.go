package definition

// DefaultSigningSecret is the workspace secret that signs a send_data step without a
// secretRef.
const DefaultSigningSecret = "signing"

// SendData POSTs a JSON object to URL, signed so the receiver can trust it:
//
//	Content-Type: application/json
//	X-Lumo-Timestamp: <unix seconds when this attempt was sent>
//	X-Lumo-Signature: sha256=<lowercase hex HMAC-SHA256(key, timestamp + "." + body)>
//	X-Lumo-Delivery-Id: <UUID, the same on every attempt of one visit to the step>
//
// What is signed is exactly the X-Lumo-Timestamp header's value, a full stop, and the
// request body byte for byte as sent. A receiver recomputes the HMAC over the same
// bytes, compares it in constant time, refuses a timestamp more than a few minutes
// from its clock (a replayed request), and drops a delivery ID it has seen (a retried
// one: each attempt is signed afresh with a new timestamp).
//
// The HMAC key is the workspace secret SecretRef names, or the secret named "signing"
// (DefaultSigningSecret) when SecretRef is empty; activation refuses a step whose
// secret the workspace lacks. A definition only ever names a secret, so exports and
// templates carry no credentials.
//
// The URL's scheme, host and port are written out; {{…}} may fill its path segments and
// query values, under https:// only, and each value is percent-encoded so that nothing a
// friend typed can move the request to another host or path (data_url.go). The URL may
// not carry credentials (user:password@) or a #fragment. Where the request may connect
// is the worker's decision: internal addresses are refused unless LUMO_SEND_DATA_ALLOW
// opens them.
//
// Payload values are {{…}} texts, and the body is the payload with them filled in
// ({"email": "mina@example.com"}). Without a payload the body is the friend and the
// trigger's properties:
//
//	{"friend": {"id": "…", "lineUserId": "U…", "displayName": "Mina"}, "trigger": {"text": "hi"}}
//
// A 2xx answer is success. A 408, 429, 5xx, a timeout or a lost connection is tried
// again with backoff (for up to an hour); any other answer, a redirect to another host
// among them, takes failed.
//
//	{"id": "notify", "type": "send_data", "url": "https://example.com/hooks/lumo",
//	 "payload": {"email": "{{friend.fields.email}}"}, "next": "thanks"}
type SendData struct {
	NodeBase
	URL       string            `json:"url,omitempty" validate:"required,max=2000,dataurl,tmpl"`
	Payload   map[string]string `json:"payload,omitempty" validate:"max=50,dive,keys,slug,endkeys,max=2000,tmpl"`
	SecretRef string            `json:"secretRef,omitempty" validate:"omitempty,slug"`
}

func (n *SendData) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

// SigningSecret is the name of the secret whose value signs this step's requests.
func (n *SendData) SigningSecret() string {
	if n.SecretRef == "" {
		return DefaultSigningSecret
	}
	return n.SecretRef
}

func (n *SendData) check(*checker, string) {}
