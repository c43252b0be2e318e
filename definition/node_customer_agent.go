package definition

import (
	"strings"
	"time"
)

// DefaultAgentTimeout is how long a conversation with the customer agent may go
// without the friend writing before the run goes on.
const DefaultAgentTimeout = 24 * time.Hour

// CustomerAgent hands the conversation to an AI agent: each message the friend sends
// goes to Endpoint, an OpenAI-compatible chat completions URL, with the conversation so
// far (SystemPrompt first), and the reply goes back to the friend. The run goes on at
// next when the friend sends HandBackKeyword (compared like an exact keyword) or stays
// silent for Timeout; at failed when the endpoint keeps failing.
//
// SecretRef names a workspace secret sent as "Authorization: Bearer <secret>"; the
// secret itself never appears in a definition, so exports carry no credentials.
//
//	{"id": "agent", "type": "customer_agent",
//	 "endpoint": "https://api.example.com/v1/chat/completions", "model": "gpt-4o-mini",
//	 "handBackKeyword": "menu", "timeout": "30m", "next": "menu"}
type CustomerAgent struct {
	NodeBase
	Endpoint        string `json:"endpoint,omitempty" validate:"required,max=1000,httpurl"`
	Model           string `json:"model,omitempty" validate:"max=100,singleline"`
	SystemPrompt    string `json:"systemPrompt,omitempty" validate:"max=10000,tmpl"`
	HandBackKeyword string `json:"handBackKeyword,omitempty" validate:"max=100,singleline"`
	// Timeout is a Go duration up to 168h; empty means 24h.
	Timeout   string `json:"timeout,omitempty" validate:"duration=168h"`
	SecretRef string `json:"secretRef,omitempty" validate:"omitempty,slug"`
}

func (n *CustomerAgent) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

// TimeoutDuration is Timeout as a time.Duration, DefaultAgentTimeout when empty.
func (n *CustomerAgent) TimeoutDuration() time.Duration {
	return durationOr(n.Timeout, DefaultAgentTimeout)
}

func (n *CustomerAgent) check(c *checker, path string) {
	if strings.TrimSpace(n.HandBackKeyword) == "" && n.HandBackKeyword != "" {
		c.add(path+".handBackKeyword", "must not be blank")
	}
}
