package definition

import (
	"reflect"
	"slices"
	"testing"
)

func TestKinds_EveryKindHasAStructAndAppearsInTheFixture(t *testing.T) {
	d := mustParse(t, readTestdata(t, "every_kind.json"))
	var used []string
	for _, n := range d.Nodes {
		used = append(used, n.Base().Type)
	}
	for _, kind := range Kinds() {
		n, ok := NewNode(kind)
		if !ok || n.Base().Type != kind {
			t.Errorf("NewNode(%q) = %v, %v", kind, n, ok)
		}
		if !slices.Contains(used, kind) {
			t.Errorf("testdata/every_kind.json has no %s step", kind)
		}
	}
	if _, ok := NewNode("nope"); ok {
		t.Error("NewNode made an unknown kind")
	}
}

func TestLookupKind(t *testing.T) {
	cases := map[string]KindInfo{
		KindQuestion:         {Name: KindQuestion, Waits: true, CallsOut: true},
		KindDelay:            {Name: KindDelay, Waits: true},
		KindCustomerAgent:    {Name: KindCustomerAgent, Waits: true, CallsOut: true},
		KindBranch:           {Name: KindBranch},
		KindTag:              {Name: KindTag},
		KindSendMessage:      {Name: KindSendMessage, CallsOut: true},
		KindHubSpotAddToList: {Name: KindHubSpotAddToList, CallsOut: true},
	}
	for kind, want := range cases {
		if got, ok := LookupKind(kind); !ok || got != want {
			t.Errorf("LookupKind(%q) = %+v, want %+v", kind, got, want)
		}
	}
	if _, ok := LookupKind("nope"); ok {
		t.Error("LookupKind knows an unknown kind")
	}
}

func TestOutlets_EachKindListsItsWaysOut(t *testing.T) {
	want := map[string][]string{
		KindSendMessage:           {"next", "failed"},
		KindSendAutoMessage:       {"next", "failed"},
		KindQuestion:              {"next", "invalid", "timedOut", "failed"},
		KindBranch:                {"else"},
		KindDelay:                 {"next"},
		KindTag:                   {"next"},
		KindRichMenu:              {"next", "failed"},
		KindCustomerAgent:         {"next", "failed"},
		KindSendData:              {"next", "failed"},
		KindStartWorkflow:         {"next", "failed"},
		KindHubSpotUpdateProperty: {"next", "failed"},
		KindHubSpotAddToList:      {"next", "failed"},
		KindKlaviyoUpdateProperty: {"next", "failed"},
		KindKlaviyoAddToList:      {"next", "failed"},
	}
	for _, kind := range Kinds() {
		n, _ := NewNode(kind)
		var names []string
		for _, o := range n.Outlets() {
			names = append(names, o.Name)
		}
		if !reflect.DeepEqual(names, want[kind]) {
			t.Errorf("%s outlets = %v, want %v", kind, names, want[kind])
		}
	}
	b := &Branch{Branches: []BranchCase{{Next: "x"}, {Next: "y"}}, Else: "z"}
	if got := b.Outlets(); !reflect.DeepEqual(got, []Outlet{{Name: "branches[0].next", Target: "x"}, {Name: "branches[1].next", Target: "y"}, {Name: "else", Target: "z"}}) {
		t.Errorf("branch outlets = %v", got)
	}
}

func TestDurations_DefaultWhenEmpty(t *testing.T) {
	if got := (&Question{}).TimeoutDuration(); got != DefaultQuestionTimeout {
		t.Errorf("question default = %v", got)
	}
	if got := (&CustomerAgent{Timeout: "30m"}).TimeoutDuration().Minutes(); got != 30 {
		t.Errorf("agent timeout = %v", got)
	}
	if got := (&Delay{Duration: "90m"}).DurationValue().Minutes(); got != 90 {
		t.Errorf("delay = %v", got)
	}
}
