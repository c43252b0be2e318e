package definition

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Definition is one workflow: a trigger and a graph of steps. Nodes hold the concrete
// kinds (*SendMessage, *Question, ...); Parse is the way to read one from a person or a
// file, Marshal the way to write one.
type Definition struct {
	Name          string  `json:"name" validate:"required,notblank,max=100,singleline"`
	Description   string  `json:"description,omitempty" validate:"max=1000"`
	LineAccountID string  `json:"lineAccountId,omitempty" validate:"max=100,singleline"`
	Trigger       Trigger `json:"trigger"`
	// Start is the ID of the first step.
	Start string `json:"start"`
	Nodes []Node `json:"nodes"`
	// Vars are the names a caller may pass at enrollment (and a start_workflow step may
	// set); {{vars.X}} must name one of them.
	Vars     []string `json:"vars,omitempty" validate:"max=50,unique,dive,ident"`
	Settings Settings `json:"settings,omitzero"`
}

// Exit conditions: events that end a friend's run early (status "ejected").
const (
	// ExitOnIncomingMessage: the friend sends a message the workflow is not waiting for
	// (a reply to a waiting question is not an exit).
	ExitOnIncomingMessage = "incoming_message"
	// ExitOnManualMessage: an operator chats with the friend by hand.
	ExitOnManualMessage = "manual_message"
	// ExitOnShopifyPurchase: the friend buys in the Shopify store, as an abandoned-cart
	// follow-up should stop once the cart is bought.
	ExitOnShopifyPurchase = "shopify.purchase"
)

// Settings tune how runs behave; the zero value is the default (runs end only at the
// end of the graph, by a stop, or by the friend blocking the account).
type Settings struct {
	ExitOn []string `json:"exitOn,omitempty" validate:"unique,dive,oneof=incoming_message manual_message shopify.purchase"`
}

// Node returns the node with that ID.
func (d *Definition) Node(id string) (Node, bool) {
	for _, n := range d.Nodes {
		if n.Base().ID == id {
			return n, true
		}
	}
	return nil, false
}

// Kind returns the kind of the node with that ID.
func (d *Definition) Kind(nodeID string) (string, bool) {
	n, ok := d.Node(nodeID)
	if !ok {
		return "", false
	}
	return n.Base().Type, true
}

// Outlets lists every outlet of every node in document order, with From and the
// absolute Path ("nodes[3].branches[0].next") set, absent ones (Target "") included.
func (d *Definition) Outlets() []Outlet {
	var all []Outlet
	for i, n := range d.Nodes {
		for _, o := range n.Outlets() {
			o.From = n.Base().ID
			o.Path = fmt.Sprintf("nodes[%d].%s", i, o.Name)
			all = append(all, o)
		}
	}
	return all
}

// Marshal writes d as canonical JSON: indented by two spaces, fields in a fixed order
// (a node's id and type first, its outlets last), empty optional fields left out, no
// HTML escaping (so "&" in URLs stays readable), and a final newline. For a definition
// Parse returned, Parse(Marshal(d)) is equal to d and Marshal is byte-for-byte stable.
func Marshal(d *Definition) ([]byte, error) {
	shape := definitionShape{plainDefinition: plainDefinition(*d)}
	if d.Nodes != nil {
		shape.Nodes = make([]json.RawMessage, len(d.Nodes))
	}
	for i, n := range d.Nodes {
		raw, err := marshalNode(n)
		if err != nil {
			return nil, fmt.Errorf("marshal definition %q: nodes[%d]: %w", d.Name, i, err)
		}
		shape.Nodes[i] = raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(shape); err != nil {
		return nil, fmt.Errorf("marshal definition %q: %w", d.Name, err)
	}
	return buf.Bytes(), nil
}

// marshalNode writes a node with its outlets after its configuration, the way people
// read a step: what it is, what it does, where it goes.
func marshalNode(n Node) (json.RawMessage, error) {
	if u, ok := n.(*UnknownNode); ok {
		return u.MarshalJSON()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	type member struct {
		key   string
		value json.RawMessage
	}
	var head, body, tail []member
	dec := json.NewDecoder(&buf)
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	outlets := n.Outlets()
	rank := func(key string) int {
		return slices.IndexFunc(outlets, func(o Outlet) bool { return o.Name == key })
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		m := member{key: tok.(string)}
		if err := dec.Decode(&m.value); err != nil {
			return nil, err
		}
		switch {
		case m.key == "id" || m.key == "type":
			head = append(head, m)
		case rank(m.key) >= 0:
			tail = append(tail, m)
		default:
			body = append(body, m)
		}
	}
	slices.SortStableFunc(tail, func(a, b member) int { return rank(a.key) - rank(b.key) })
	var out bytes.Buffer
	out.WriteByte('{')
	for i, m := range slices.Concat(head, body, tail) {
		if i > 0 {
			out.WriteByte(',')
		}
		key, _ := json.Marshal(m.key)
		out.Write(key)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// plainDefinition has Definition's fields without its methods.
type plainDefinition Definition

// definitionShape is a Definition whose nodes are still raw JSON: how a file is read
// before each node is decoded by its type.
type definitionShape struct {
	plainDefinition
	Nodes []json.RawMessage `json:"nodes"`
}

// UnmarshalJSON reads a definition that was written by Marshal or encoding/json, such as
// a version's graph in an execution's input, decoding each node by its type. It does not
// validate and does not reject unknown fields: use Parse for input from people.
func (d *Definition) UnmarshalJSON(data []byte) error {
	var shape definitionShape
	if err := json.Unmarshal(data, &shape); err != nil {
		return err
	}
	*d = Definition(shape.plainDefinition)
	d.Nodes = nil
	if shape.Nodes != nil {
		d.Nodes = make([]Node, len(shape.Nodes))
	}
	for i, raw := range shape.Nodes {
		n, err := unmarshalNode(raw)
		if err != nil {
			return fmt.Errorf("nodes[%d]: %w", i, err)
		}
		d.Nodes[i] = n
	}
	return nil
}

// unmarshalNode decodes one node by its type; an unknown type becomes an UnknownNode.
func unmarshalNode(raw json.RawMessage) (Node, error) {
	var base NodeBase
	if err := json.Unmarshal(raw, &base); err != nil {
		return nil, err
	}
	n, ok := NewNode(base.Type)
	if !ok {
		return &UnknownNode{NodeBase: base, Raw: compactJSON(raw)}, nil
	}
	if err := json.Unmarshal(raw, n); err != nil {
		return nil, err
	}
	return n, nil
}

func compactJSON(raw []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return buf.Bytes()
}
