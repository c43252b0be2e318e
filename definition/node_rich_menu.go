package definition

// Rich menu actions.
const (
	RichMenuLink   = "link"
	RichMenuUnlink = "unlink"
)

// RichMenu links a rich menu to the friend (richMenuId, as LINE issues it:
// "richmenu-" and 32 hexadecimal digits), or unlinks the friend's own so the account's
// default shows again.
//
//	{"id": "menu", "type": "rich_menu", "action": "link",
//	 "richMenuId": "richmenu-0123456789abcdef0123456789abcdef", "next": "done"}
type RichMenu struct {
	NodeBase
	Action     string `json:"action" validate:"required,oneof=link unlink"`
	RichMenuID string `json:"richMenuId,omitempty" validate:"omitempty,richmenuid"`
}

func (n *RichMenu) Outlets() []Outlet { return []Outlet{n.next(), n.failed()} }

func (n *RichMenu) check(c *checker, path string) {
	switch n.Action {
	case RichMenuLink:
		c.require(path+".richMenuId", n.RichMenuID)
	case RichMenuUnlink:
		if n.RichMenuID != "" {
			c.add(path+".richMenuId", "only a link action takes a richMenuId")
		}
	}
}
