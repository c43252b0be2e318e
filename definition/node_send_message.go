package definition

import "fmt"

// SendMessage sends one to five LINE messages (a reply when the friend's own action
// is fresh enough for a reply token, a push otherwise).
//
//	{"id": "hello", "type": "send_message",
//	 "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}],
//	 "next": "ask", "failed": "log_failure"}
type SendMessage struct {
	NodeBase
	Messages []Message `json:"messages,omitempty" validate:"required,min=1,max=5,dive"`
}

func (n *SendMessage) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *SendMessage) check(c *checker, path string) {
	for i := range n.Messages {
		n.Messages[i].check(c, fmt.Sprintf("%s.messages[%d]", path, i))
	}
}

// SendAutoMessage sends a saved auto message (a workspace object, by ID).
//
//	{"id": "promo", "type": "send_auto_message", "autoMessageId": "am_123", "next": "wait"}
type SendAutoMessage struct {
	NodeBase
	AutoMessageID string `json:"autoMessageId,omitempty" validate:"required,max=100,singleline"`
}

func (n *SendAutoMessage) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *SendAutoMessage) check(*checker, string) {}
