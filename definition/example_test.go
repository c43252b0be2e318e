package definition_test

import (
	"fmt"

	"github.com/lumoworkflows/lumo/definition"
)

func ExampleParse() {
	file := []byte(`{
	  "name": "Welcome",
	  "trigger": {"type": "friend_added"},
	  "start": "hello",
	  "nodes": [
	    {"id": "hello", "type": "send_message",
	     "messages": [{"type": "text", "text": "Hi {{friend.displayName}}, use {{vars.coupon}}"}],
	     "next": "ask"},
	    {"id": "ask", "type": "delay", "duration": "a day"}
	  ]
	}`)
	_, problems := definition.Parse(file, definition.DefaultLimits)
	for _, p := range problems {
		fmt.Printf("%s: %s\n", p.Path, p.Message)
	}
	// Output:
	// nodes[0].messages[0].text: unknown name "vars.coupon"; declare "coupon" in vars
	// nodes[1].duration: must be a Go duration such as "90m", "24h" or "1h30m" (up to "2160h" (90 days))
}

func ExampleDefinition_Node() {
	tpl, _ := definition.LookupTemplate("abandoned-cart-follow-up")
	d, _ := definition.Parse(tpl.Definition, definition.DefaultLimits)
	for id := d.Start; id != ""; {
		n, _ := d.Node(id)
		switch n := n.(type) {
		case *definition.Delay:
			fmt.Println("wait", n.DurationValue())
		case *definition.SendMessage:
			fmt.Println("send", len(n.Messages), "messages")
		}
		id = n.Base().Next
	}
	// Output:
	// wait 1h0m0s
	// send 2 messages
	// wait 23h0m0s
	// send 1 messages
}

func ExampleRender() {
	friend := map[string]string{"friend.displayName": "Hanako"}
	fmt.Println(definition.Render("Hi {{ friend.displayName }}! {{friend.nickname}}", func(name string) (string, bool) {
		v, ok := friend[name]
		return v, ok
	}))
	// Output: Hi Hanako!
}

func ExampleFindWorkflowCycle() {
	starts := map[string][]string{"onboarding": {"upsell"}, "upsell": {"onboarding"}}
	fmt.Println(definition.FindWorkflowCycle("onboarding", func(id string) []string { return starts[id] }))
	// Output: [onboarding upsell onboarding]
}

func ExampleCheckReferences() {
	d, _ := definition.Parse([]byte(`{"name": "VIP", "trigger": {"type": "manual"}, "start": "b", "nodes": [
	  {"id": "b", "type": "branch", "branches": [{"when": {"segment": "seg_vip"}, "next": "t"}]},
	  {"id": "t", "type": "tag", "add": ["vip"]}]}`), definition.DefaultLimits)
	exists := func(kind definition.RefKind, id string) bool { return kind == definition.RefTag }
	fmt.Println(definition.CheckReferences(d.References(), exists))
	// Output: nodes[0].branches[0].when.segment: unknown segment "seg_vip"
}
