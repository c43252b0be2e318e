package definition

import "fmt"

// Branch takes the next of the first case whose condition holds, else Else. Up to 20
// cases keep a branch readable on the canvas; more belong in two branches.
//
//	{"id": "sort", "type": "branch",
//	 "branches": [{"when": {"tag": "vip"}, "next": "vip_offer"}],
//	 "else": "regular_offer"}
type Branch struct {
	NodeBase
	Branches []BranchCase `json:"branches,omitempty" validate:"required,min=1,max=20,dive"`
	Else     string       `json:"else,omitempty"`
}

// BranchCase is one case of a branch: its condition and where it leads.
type BranchCase struct {
	When Condition `json:"when"`
	Next string    `json:"next,omitempty"`
}

func (n *Branch) Outlets() []Outlet {
	outlets := make([]Outlet, 0, len(n.Branches)+1)
	for i, b := range n.Branches {
		outlets = append(outlets, Outlet{Name: fmt.Sprintf("branches[%d].next", i), Target: b.Next})
	}
	return append(outlets, Outlet{Name: "else", Target: n.Else})
}

func (n *Branch) check(c *checker, path string) {
	for i := range n.Branches {
		n.Branches[i].When.check(c, fmt.Sprintf("%s.branches[%d].when", path, i), 1)
	}
}
