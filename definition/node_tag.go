package definition

import "slices"

// Tag adds and removes tags on the friend.
//
//	{"id": "coffee", "type": "tag", "add": ["coffee"], "remove": ["tea"], "next": "later"}
type Tag struct {
	NodeBase
	Add    []string `json:"add,omitempty" validate:"max=20,unique,dive,notblank,max=100,singleline"`
	Remove []string `json:"remove,omitempty" validate:"max=20,unique,dive,notblank,max=100,singleline"`
}

func (n *Tag) Outlets() []Outlet { return []Outlet{n.next()} }

func (n *Tag) check(c *checker, path string) {
	if len(n.Add) == 0 && len(n.Remove) == 0 {
		c.add(path, "needs at least one tag to add or remove")
		return
	}
	for _, t := range n.Add {
		if slices.Contains(n.Remove, t) {
			c.add(path+".remove", "adds and removes the same tag "+quote(t))
		}
	}
}
