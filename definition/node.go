package definition

import (
	"encoding/json"
	"slices"
)

// The step kinds, as they appear in a node's "type".
const (
	KindSendMessage           = "send_message"
	KindSendAutoMessage       = "send_auto_message"
	KindQuestion              = "question"
	KindBranch                = "branch"
	KindDelay                 = "delay"
	KindTag                   = "tag"
	KindRichMenu              = "rich_menu"
	KindCustomerAgent         = "customer_agent"
	KindSendData              = "send_data"
	KindStartWorkflow         = "start_workflow"
	KindHubSpotUpdateProperty = "hubspot.update_property"
	KindHubSpotAddToList      = "hubspot.add_to_list"
	KindKlaviyoUpdateProperty = "klaviyo.update_property"
	KindKlaviyoAddToList      = "klaviyo.add_to_list"
)

// Node is one step of a workflow. Each kind is a struct of its own (*SendMessage,
// *Question, ...); a type switch on a Node is how the interpreter finds the step's
// configuration. Only this package implements Node.
type Node interface {
	// Base is the part every kind shares: id, type and the common outlets.
	Base() *NodeBase
	// Outlets lists every outlet the kind has, in a fixed order, with Target "" where the
	// definition leaves one out (taking it ends the run). Path is left empty;
	// Definition.Outlets fills it in.
	Outlets() []Outlet
	// check adds the problems that field tags cannot express.
	check(c *checker, path string)
}

// NodeBase is embedded in every kind. Next is the ordinary outlet; Failed is taken when
// a step that calls another system fails for good, and only kinds that call out have it
// (a "failed" key on any other kind is an unknown field). Without Failed, a failure ends
// the run as failed.
type NodeBase struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Next   string `json:"next,omitempty"`
	Failed string `json:"failed,omitempty"`
}

// Base returns b itself, so a Node's shared fields can be read and changed.
func (b *NodeBase) Base() *NodeBase { return b }

// next and failed are the outlets most kinds share.
func (b *NodeBase) next() Outlet   { return Outlet{Name: "next", Target: b.Next} }
func (b *NodeBase) failed() Outlet { return Outlet{Name: "failed", Target: b.Failed} }

// Outlet is one way out of a node. Name is its path inside the node ("next", "invalid",
// "timedOut", "failed", "branches[0].next", "else"); Target is the ID of the node it
// leads to, "" to end the run. From and Path (the absolute path, "nodes[3].branches[0].next")
// are set by Definition.Outlets.
type Outlet struct {
	From   string `json:"from,omitempty"`
	Name   string `json:"name"`
	Target string `json:"target,omitempty"`
	Path   string `json:"path,omitempty"`
}

// KindInfo is what the rest of the system needs to know about a step kind without
// looking at a definition.
type KindInfo struct {
	Name string
	// Waits is true for kinds that pause the run until a friend replies or time passes:
	// question, delay and customer_agent. A loop must pass through one (see Loops).
	Waits bool
	// CallsOut is true for kinds that call another system and so have a failed outlet.
	CallsOut bool
}

// kindSpec is the table from kind to schema: one line to add a kind here, one step
// function to add in the interpreter.
type kindSpec struct {
	name  string
	waits bool
	new   func() Node
}

var kindSpecs = []kindSpec{
	{name: KindSendMessage, new: func() Node { return &SendMessage{} }},
	{name: KindSendAutoMessage, new: func() Node { return &SendAutoMessage{} }},
	{name: KindQuestion, waits: true, new: func() Node { return &Question{} }},
	{name: KindBranch, new: func() Node { return &Branch{} }},
	{name: KindDelay, waits: true, new: func() Node { return &Delay{} }},
	{name: KindTag, new: func() Node { return &Tag{} }},
	{name: KindRichMenu, new: func() Node { return &RichMenu{} }},
	{name: KindCustomerAgent, waits: true, new: func() Node { return &CustomerAgent{} }},
	{name: KindSendData, new: func() Node { return &SendData{} }},
	{name: KindStartWorkflow, new: func() Node { return &StartWorkflow{} }},
	{name: KindHubSpotUpdateProperty, new: func() Node { return &HubSpotUpdateProperty{} }},
	{name: KindHubSpotAddToList, new: func() Node { return &HubSpotAddToList{} }},
	{name: KindKlaviyoUpdateProperty, new: func() Node { return &KlaviyoUpdateProperty{} }},
	{name: KindKlaviyoAddToList, new: func() Node { return &KlaviyoAddToList{} }},
}

// Kinds lists every step kind the language knows, in a fixed order.
func Kinds() []string {
	names := make([]string, len(kindSpecs))
	for i, k := range kindSpecs {
		names[i] = k.name
	}
	return names
}

// LookupKind describes a kind, or reports false for a name the language does not know.
func LookupKind(name string) (KindInfo, bool) {
	spec, ok := findKind(name)
	if !ok {
		return KindInfo{}, false
	}
	return KindInfo{Name: spec.name, Waits: spec.waits, CallsOut: hasOutlet(spec.new(), "failed")}, true
}

// NewNode returns an empty node of the kind with its Type set, or false for an unknown
// kind.
func NewNode(kind string) (Node, bool) {
	spec, ok := findKind(kind)
	if !ok {
		return nil, false
	}
	n := spec.new()
	n.Base().Type = kind
	return n, true
}

func findKind(name string) (kindSpec, bool) {
	i := slices.IndexFunc(kindSpecs, func(k kindSpec) bool { return k.name == name })
	if i < 0 {
		return kindSpec{}, false
	}
	return kindSpecs[i], true
}

// hasOutlet is true when n's kind has an outlet of that name; an empty node of a kind
// says which outlets the kind has, so the table above needs no column for them.
func hasOutlet(n Node, name string) bool {
	return slices.ContainsFunc(n.Outlets(), func(o Outlet) bool { return o.Name == name })
}

// UnknownNode stands in for an entry of "nodes" that is not a step the language knows
// (an unknown type, or not an object at all), so a best-effort Definition keeps every
// node at its index and Marshal writes the entry back as it was. A definition with an
// UnknownNode never passes Parse.
type UnknownNode struct {
	NodeBase
	// Raw is the entry as it was in the file, compacted; empty for null.
	Raw json.RawMessage
}

// Outlets is empty: nothing is known about where an unknown node leads.
func (*UnknownNode) Outlets() []Outlet { return nil }

func (*UnknownNode) check(*checker, string) {}

// MarshalJSON writes the entry back as it came.
func (n *UnknownNode) MarshalJSON() ([]byte, error) {
	if len(n.Raw) == 0 {
		return []byte("null"), nil
	}
	return n.Raw, nil
}
