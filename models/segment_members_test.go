package models_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// segmentWorld is a workspace of four friends who differ in every property a segment
// condition reads, and a friend of another workspace who matches most conditions and
// must never be a member:
//
//	Ann  account A, added 2025-06-15; tags vip, gold; drink "Coffee", age 30, premium
//	     true, note "100%_real"; Shopify C1: 5 orders, last 40 days ago, a cart abandoned
//	     a day ago, tags wholesale and repeat; HubSpot H1: list L1, lifecycle "customer",
//	     score "75"; enrolled (running) in the workflow.
//	Ben  account A, added 2026-01-15; tag vip; drink "Tea", age 17, note "plain";
//	     Shopify C2: 1 order 2 days ago, tag repeat; HubSpot H2: list L2, lifecycle
//	     "lead", score 20; completed the workflow.
//	Cat  account B, added 3 days ago; nothing else; blocks the account.
//	Dan  account B, added 2026-01-01 12:00 UTC; tag gold; drink "coffee milk", age "42"
//	     (text); Klaviyo K-dan: lists K1 and K2, "Favorite Color" "Blue", "LINE User ID"
//	     "U-dan", orders 3; a test run (not an enrolment) of the workflow.
type segmentWorld struct {
	friendFixture
	accountB   models.LineAccount
	workflowID string
	names      map[string]string // friend ID -> name
	ids        map[string]string // name -> friend ID
}

func newSegmentWorld(t *testing.T, db *database.DB) segmentWorld {
	t.Helper()
	f := newFriendFixture(t, db)
	ctx, store, ws := f.ctx, f.store, f.ws.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	accountB, err := store.CreateLineAccount(ctx, ws, models.LineAccountInput{
		Name: "Acme outlet", ChannelID: "1650000001", ChannelSecret: "secret", ChannelAccessToken: "token",
	})
	must(err)
	w := segmentWorld{friendFixture: f, accountB: accountB, names: map[string]string{}, ids: map[string]string{}}
	now := time.Now().UTC()
	add := func(name, accountID string, added time.Time) string {
		t.Helper()
		friend, err := store.UpsertFriend(ctx, ws, accountID, "U-"+name, models.FriendProfile{DisplayName: name})
		must(err)
		must(db.Model(&models.Friend{}).Where("id = ?", friend.ID).Update("created_at", added).Error)
		w.names[friend.ID], w.ids[name] = name, friend.ID
		return friend.ID
	}
	ann := add("Ann", f.account.ID, time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC))
	ben := add("Ben", f.account.ID, time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))
	add("Cat", accountB.ID, now.Add(-3*24*time.Hour))
	dan := add("Dan", accountB.ID, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	_, err = store.BlockFriend(ctx, ws, accountB.ID, "U-Cat", now)
	must(err)

	must(store.AddFriendTags(ctx, ws, ann, []string{"vip", "gold"}, ""))
	must(store.AddFriendTags(ctx, ws, ben, []string{"vip"}, ""))
	must(store.AddFriendTags(ctx, ws, dan, []string{"gold"}, ""))
	for friend, fields := range map[string]map[string]any{
		ann: {"drink": "Coffee", "age": 30, "premium": true, "note": "100%_real"},
		ben: {"drink": "Tea", "age": 17, "note": "plain"},
		dan: {"drink": "coffee milk", "age": "42"},
	} {
		for name, value := range fields {
			must(store.SetFriendField(ctx, ws, friend, name, value))
		}
	}

	for _, service := range segments.Services {
		_, err := store.ConnectIntegration(ctx, ws, service)
		must(err)
	}
	must(store.LinkFriend(ctx, ws, ann, segments.ServiceShopify, "C1"))
	must(store.LinkFriend(ctx, ws, ben, segments.ServiceShopify, "C2"))
	lastAnn, cartAnn, lastBen := now.Add(-(40*24+12)*time.Hour), now.Add(-25*time.Hour), now.Add(-(2*24+12)*time.Hour)
	must(store.SetShopifyCustomer(ctx, ws, ann, models.ShopifyCustomer{
		OrdersCount: 5, LastOrderAt: &lastAnn, AbandonedCartAt: &cartAnn, Tags: []string{"wholesale", "repeat"},
	}))
	must(store.SetShopifyCustomer(ctx, ws, ben, models.ShopifyCustomer{OrdersCount: 1, LastOrderAt: &lastBen, Tags: []string{"repeat"}}))
	must(store.LinkFriend(ctx, ws, ann, segments.ServiceHubSpot, "H1"))
	must(store.LinkFriend(ctx, ws, ben, segments.ServiceHubSpot, "H2"))
	must(store.AddFriendToIntegrationList(ctx, ws, ann, segments.ServiceHubSpot, "L1"))
	must(store.AddFriendToIntegrationList(ctx, ws, ben, segments.ServiceHubSpot, "L2"))
	must(store.SetFriendIntegrationProperties(ctx, ws, ann, segments.ServiceHubSpot, map[string]any{"lifecycle": "customer", "score": "75"}))
	must(store.SetFriendIntegrationProperties(ctx, ws, ben, segments.ServiceHubSpot, map[string]any{"lifecycle": "lead", "score": 20}))
	must(store.LinkFriend(ctx, ws, dan, segments.ServiceKlaviyo, "K-dan"))
	must(store.AddFriendToIntegrationList(ctx, ws, dan, segments.ServiceKlaviyo, "K1"))
	must(store.AddFriendToIntegrationList(ctx, ws, dan, segments.ServiceKlaviyo, "K2"))
	must(store.SetFriendIntegrationProperties(ctx, ws, dan, segments.ServiceKlaviyo, map[string]any{"Favorite Color": "Blue", "LINE User ID": "U-dan", "orders": 3}))

	doc := []byte(`{"name":"Welcome","trigger":{"type":"friend_added"},"nodes":[]}`)
	wf, err := store.CreateWorkflow(ctx, ws, models.WorkflowInput{Name: "Welcome", TriggerType: "friend_added", Document: doc}, "", 0)
	must(err)
	wf, version, err := store.Activate(ctx, ws, wf.ID, models.Activation{Document: doc, TriggerType: "friend_added"})
	must(err)
	w.workflowID = wf.ID
	run := func(friend string, test bool) string {
		t.Helper()
		e := models.Execution{
			ID: models.NewID(), WorkspaceID: ws, WorkflowID: wf.ID, VersionID: version.ID, Version: version.Version,
			FriendID: friend, TemporalWorkflowID: "wf-" + friend, Test: test,
		}
		must(store.CreateExecution(ctx, e))
		return e.ID
	}
	run(ann, false)
	must(store.UpdateExecution(ctx, ws, run(ben, false), models.ExecutionChange{Status: models.ExecutionCompleted}))
	run(dan, true)

	// Another workspace's friend, tagged vip and drinking Coffee: never a member.
	otherAccount, err := store.CreateLineAccount(ctx, f.other.ID, models.LineAccountInput{
		Name: "Globex", ChannelID: "1650000002", ChannelSecret: "secret", ChannelAccessToken: "token",
	})
	must(err)
	eve, err := store.UpsertFriend(ctx, f.other.ID, otherAccount.ID, "U-Eve", models.FriendProfile{DisplayName: "Eve"})
	must(err)
	must(store.AddFriendTags(ctx, f.other.ID, eve.ID, []string{"vip", "gold"}, ""))
	must(store.SetFriendField(ctx, f.other.ID, eve.ID, "drink", "Coffee"))
	return w
}

// members returns the names of d's members, checking that the count agrees.
func (w segmentWorld) members(t *testing.T, d segments.Definition) []string {
	t.Helper()
	friends, err := w.store.PreviewSegment(w.ctx, w.ws.ID, d, models.MaxPageLimit)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	names := []string{}
	for _, f := range friends {
		name, ok := w.names[f.ID]
		if !ok {
			t.Fatalf("member %s (%s) is none of the workspace's friends", f.ID, f.DisplayName)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	n, err := w.store.CountSegment(w.ctx, w.ws.ID, d)
	if err != nil || n != int64(len(names)) {
		t.Fatalf("count = %d, %v; preview has %d", n, err, len(names))
	}
	return names
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var everyone = []string{"Ann", "Ben", "Cat", "Dan"}

// segmentCases are every property and operator with the members each should have.
func segmentCases(w segmentWorld) []struct {
	name string
	def  segments.Definition
	want []string
} {
	accountA, accountB, workflow := jsonString(w.account.ID), jsonString(w.accountB.ID), jsonString(w.workflowID)
	type tc = struct {
		name string
		def  segments.Definition
		want []string
	}
	one := func(property, op, value string, want ...string) tc {
		return tc{property + " " + op + " " + value, oneGroup(cond(property, op, value)), want}
	}
	return []tc{
		one("friend_added_at", "before", `"2026-01-01"`, "Ann"),
		one("friend_added_at", "before", `"2026-01-02"`, "Ann", "Dan"),
		one("friend_added_at", "after", `"2026-01-01"`, "Ben", "Cat"),
		one("friend_added_at", "after", `"2026-01-01T11:00:00Z"`, "Ben", "Cat", "Dan"),
		one("friend_added_at", "after", `"2026-01-01T20:00:00+09:00"`, "Ben", "Cat", "Dan"),
		one("friend_added_at", "before", `"2026-01-01T12:00:00Z"`, "Ann"),
		one("friend_added_at", "within_days", `7`, "Cat"),
		one("friend_added_at", "within_days", `36500`, everyone...),

		one("tag", "eq", `"vip"`, "Ann", "Ben"),
		one("tag", "eq", `"nobody"`),
		one("tag", "ne", `"vip"`, "Cat", "Dan"),
		one("tag", "contains_any", `["gold", "nobody"]`, "Ann", "Dan"),
		one("tag", "contains_all", `["vip", "gold"]`, "Ann"),
		one("tag", "contains_all", `["vip", "vip"]`, "Ann", "Ben"),
		one("tag", "contains_none", `["vip"]`, "Cat", "Dan"),

		one("field.drink", "eq", `"Coffee"`, "Ann"),
		one("field.drink", "ne", `"Coffee"`, "Ben", "Cat", "Dan"),
		one("field.age", "eq", `30`, "Ann"),
		one("field.age", "eq", `"30"`, "Ann"),
		one("field.age", "eq", `42`, "Dan"),
		one("field.age", "eq", `"42"`, "Dan"),
		one("field.premium", "eq", `true`, "Ann"),
		one("field.premium", "eq", `"true"`, "Ann"),
		one("field.premium", "ne", `true`, "Ben", "Cat", "Dan"),
		one("field.age", "gt", `20`, "Ann"),
		one("field.age", "gte", `30`, "Ann"),
		one("field.age", "lt", `30`, "Ben"),
		one("field.age", "lte", `30`, "Ann", "Ben"),
		one("field.age", "lt", `17.5`, "Ben"),
		one("field.drink", "contains_any", `["COFFEE"]`, "Ann", "Dan"),
		one("field.drink", "contains_all", `["coffee", "milk"]`, "Dan"),
		one("field.drink", "contains_none", `["coffee"]`, "Ben", "Cat"),
		one("field.note", "contains_any", `["%_"]`, "Ann"),
		one("field.drink", "exists", ``, "Ann", "Ben", "Dan"),
		one("field.nothing", "exists", ``),

		one("blocked", "eq", `true`, "Cat"),
		one("blocked", "eq", `false`, "Ann", "Ben", "Dan"),

		one("line_account", "eq", accountA, "Ann", "Ben"),
		one("line_account", "ne", accountA, "Cat", "Dan"),
		one("line_account", "contains_any", "["+accountB+"]", "Cat", "Dan"),
		one("line_account", "contains_none", "["+accountA+","+accountB+"]"),

		one("workflow.enrolled", "eq", workflow, "Ann"),
		one("workflow.enrolled", "ne", workflow, "Ben", "Cat", "Dan"),
		one("workflow.completed", "eq", workflow, "Ben"),
		one("workflow.completed", "ne", workflow, "Ann", "Cat", "Dan"),

		one("shopify.integrated", "integrated", ``, "Ann", "Ben"),
		one("shopify.integrated", "integrated", `true`, "Ann", "Ben"),
		one("shopify.integrated", "integrated", `false`, "Cat", "Dan"),
		one("shopify.integrated", "eq", `true`, "Ann", "Ben"),
		one("shopify.tag", "eq", `"repeat"`, "Ann", "Ben"),
		one("shopify.tag", "ne", `"wholesale"`, "Ben", "Cat", "Dan"),
		one("shopify.tag", "contains_any", `["wholesale", "x"]`, "Ann"),
		one("shopify.tag", "contains_all", `["wholesale", "repeat"]`, "Ann"),
		one("shopify.tag", "contains_none", `["wholesale"]`, "Ben", "Cat", "Dan"),
		one("shopify.orders_count", "eq", `5`, "Ann"),
		one("shopify.orders_count", "ne", `5`, "Ben"),
		one("shopify.orders_count", "gt", `1`, "Ann"),
		one("shopify.orders_count", "gte", `1`, "Ann", "Ben"),
		one("shopify.orders_count", "lt", `5`, "Ben"),
		one("shopify.orders_count", "lte", `5`, "Ann", "Ben"),
		one("shopify.days_since_last_order", "eq", `40`, "Ann"),
		one("shopify.days_since_last_order", "ne", `40`, "Ben"),
		one("shopify.days_since_last_order", "gt", `39`, "Ann"),
		one("shopify.days_since_last_order", "gt", `40`),
		one("shopify.days_since_last_order", "gte", `40`, "Ann"),
		one("shopify.days_since_last_order", "lt", `3`, "Ben"),
		one("shopify.days_since_last_order", "lt", `2`),
		one("shopify.days_since_last_order", "lte", `2`, "Ben"),
		one("shopify.abandoned_cart", "eq", `true`, "Ann"),
		one("shopify.abandoned_cart", "eq", `false`, "Ben", "Cat", "Dan"),
		one("shopify.abandoned_cart", "within_days", `2`, "Ann"),
		one("shopify.abandoned_cart", "within_days", `1`),

		one("hubspot.integrated", "integrated", ``, "Ann", "Ben"),
		one("hubspot.integrated", "eq", `false`, "Cat", "Dan"),
		one("hubspot.list", "eq", `"L1"`, "Ann"),
		one("hubspot.list", "ne", `"L1"`, "Ben", "Cat", "Dan"),
		one("hubspot.list", "contains_any", `["L1", "L2"]`, "Ann", "Ben"),
		one("hubspot.list", "contains_all", `["L1", "L2"]`),
		one("hubspot.list", "contains_none", `["L2"]`, "Ann", "Cat", "Dan"),
		one("hubspot.property.lifecycle", "eq", `"customer"`, "Ann"),
		one("hubspot.property.lifecycle", "ne", `"customer"`, "Ben", "Cat", "Dan"),
		one("hubspot.property.lifecycle", "exists", ``, "Ann", "Ben"),
		one("hubspot.property.lifecycle", "contains_any", `["CUST"]`, "Ann"),
		one("hubspot.property.lifecycle", "contains_all", `["l", "e"]`, "Ben"),
		one("hubspot.property.lifecycle", "contains_none", `["lead"]`, "Ann", "Cat", "Dan"),
		one("hubspot.property.score", "eq", `75`, "Ann"),
		one("hubspot.property.score", "eq", `"20"`, "Ben"),
		one("hubspot.property.score", "gt", `50`, "Ann"),
		one("hubspot.property.score", "gte", `20`, "Ann", "Ben"),
		one("hubspot.property.score", "lt", `50`, "Ben"),
		one("hubspot.property.score", "lte", `20`, "Ben"),

		one("klaviyo.integrated", "integrated", ``, "Dan"),
		one("klaviyo.integrated", "integrated", `false`, "Ann", "Ben", "Cat"),
		one("klaviyo.integrated", "eq", `true`, "Dan"),
		one("klaviyo.list", "eq", `"K1"`, "Dan"),
		one("klaviyo.list", "ne", `"K1"`, "Ann", "Ben", "Cat"),
		one("klaviyo.list", "contains_any", `["K2", "L1"]`, "Dan"),
		one("klaviyo.list", "contains_all", `["K1", "K2"]`, "Dan"),
		one("klaviyo.list", "contains_none", `["K2"]`, "Ann", "Ben", "Cat"),
		one("klaviyo.property.Favorite Color", "eq", `"Blue"`, "Dan"),
		one("klaviyo.property.Favorite Color", "exists", ``, "Dan"),
		one("klaviyo.property.LINE User ID", "eq", `"U-dan"`, "Dan"),
		one("klaviyo.property.LINE User ID", "gt", `0`),
		one("klaviyo.property.Favorite Color", "ne", `"Blue"`, "Ann", "Ben", "Cat"),
		one("klaviyo.property.Favorite Color", "contains_any", `["lu"]`, "Dan"),
		one("klaviyo.property.Favorite Color", "contains_all", `["b", "E"]`, "Dan"),
		one("klaviyo.property.Favorite Color", "contains_none", `["blue"]`, "Ann", "Ben", "Cat"),
		one("klaviyo.property.orders", "gte", `3`, "Dan"),
		one("klaviyo.property.orders", "lt", `4`, "Dan"),
		one("klaviyo.property.orders", "lte", `2`),

		{"AND inside a group, OR across groups", segments.Definition{Groups: []segments.Group{
			{Conditions: []segments.Condition{cond("tag", "eq", `"vip"`), cond("field.age", "lt", `20`)}},
			{Conditions: []segments.Condition{cond("blocked", "eq", `true`)}},
		}}, []string{"Ben", "Cat"}},
		{"a group that cannot hold takes nobody from the other", segments.Definition{Groups: []segments.Group{
			{Conditions: []segments.Condition{cond("tag", "eq", `"vip"`), cond("tag", "ne", `"vip"`)}},
			{Conditions: []segments.Condition{cond("klaviyo.list", "eq", `"K2"`)}},
		}}, []string{"Dan"}},
	}
}

func TestSegmentMembers_EveryPropertyAndOperator(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		w := newSegmentWorld(t, db)
		all := segments.Integrations{Shopify: true, HubSpot: true, Klaviyo: true}
		covered := map[string]bool{}
		for _, tt := range segmentCases(w) {
			if problems := tt.def.Validate(all); problems != nil {
				t.Errorf("%s: invalid: %v", tt.name, problems)
				continue
			}
			got := w.members(t, tt.def)
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: members %v, want %v", tt.name, got, want)
			}
			for _, g := range tt.def.Groups {
				for _, c := range g.Conditions {
					covered[catalogueKey(c.Property)+" "+c.Op] = true
				}
			}
		}
		// Every operator of every property has a case.
		for _, property := range segments.Properties {
			for _, op := range segments.OperatorsOf(property) {
				if !covered[property+" "+op] {
					t.Errorf("no case for %s %s", property, op)
				}
			}
		}
	})
}

// catalogueKey is the name segments.Properties lists a property under.
func catalogueKey(property string) string {
	for _, prefix := range []string{"field.", "hubspot.property.", "klaviyo.property."} {
		if len(property) > len(prefix) && property[:len(prefix)] == prefix {
			return prefix
		}
	}
	return property
}

// Values, tag names and field or property names reach the database as parameters: SQL
// in them matches nothing (inert), and names that are not names are refused before any
// query (rejected). Either way, the data is intact afterwards.
func TestSegmentMembers_InjectionIsInertOrRejected(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		w := newSegmentWorld(t, db)
		all := segments.Integrations{Shopify: true, HubSpot: true, Klaviyo: true}
		inert := []segments.Definition{
			oneGroup(cond("tag", "eq", jsonString(`vip' OR '1'='1`))),
			oneGroup(cond("tag", "contains_any", `["x') OR 1=1 --", "vip\"; DROP TABLE friends; --"]`)),
			oneGroup(cond("field.drink", "eq", jsonString(`Coffee' OR 1=1 --`))),
			oneGroup(cond("field.drink", "contains_any", `["%' OR '1'='1"]`)),
			oneGroup(cond("line_account", "eq", jsonString(`' OR ''='`))),
			oneGroup(cond("workflow.enrolled", "eq", jsonString(w.workflowID+`' OR 1=1 --`))),
			oneGroup(cond("hubspot.property.x'); DROP TABLE friends; --", "eq", `"a"`)),
			oneGroup(cond(`klaviyo.property.a" OR 1=1 --`, "exists", ``)),
			oneGroup(cond("shopify.tag", "eq", jsonString(`repeat' OR 'a'='a`))),
		}
		for _, d := range inert {
			if problems := d.Validate(all); problems != nil {
				t.Errorf("%s: refused (%v), want accepted and inert", d.Summary(), problems)
				continue
			}
			if got := w.members(t, d); len(got) != 0 {
				t.Errorf("%s: members %v, want none", d.Summary(), got)
			}
		}

		rejected := []struct {
			def  segments.Definition
			path string
		}{
			{oneGroup(cond(`field.drink"); DROP TABLE friends; --`, "exists", ``)), "groups[0].conditions[0].property"},
			{oneGroup(cond(`field.drink') OR 1=1 --`, "eq", `"x"`)), "groups[0].conditions[0].property"},
			{oneGroup(cond("tag; DROP TABLE friends", "eq", `"x"`)), "groups[0].conditions[0].property"},
			{oneGroup(cond("tag", "eq OR 1=1", `"x"`)), "groups[0].conditions[0].op"},
			{oneGroup(cond("tag", "eq", "\"vip\\u0000' OR 1=1\"")), "groups[0].conditions[0].value"},
		}
		for _, tt := range rejected {
			problems := tt.def.Validate(all)
			if _, ok := problems[tt.path]; !ok {
				t.Errorf("%s: problems %v, want one at %s", tt.def.Summary(), problems, tt.path)
			}
			// The compiler refuses it too, with no query run.
			if _, err := w.store.CountSegment(w.ctx, w.ws.ID, tt.def); err == nil {
				t.Errorf("%s: counted, want an error", tt.def.Summary())
			}
		}

		if got := w.members(t, oneGroup(cond("friend_added_at", "within_days", "36500"))); !reflect.DeepEqual(got, everyone) {
			t.Fatalf("after the attempts the friends are %v", got)
		}
	})
}

func TestIsSegmentMember_ReadsFreshAndIsScopedToTheWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		w := newSegmentWorld(t, db)
		seg, err := w.store.CreateSegment(w.ctx, models.Segment{
			WorkspaceID: w.ws.ID, Name: "Regulars", Definition: oneGroup(cond("tag", "eq", `"regular"`)),
		})
		if err != nil {
			t.Fatal(err)
		}
		member := func(friend string) bool {
			t.Helper()
			in, err := w.store.IsSegmentMember(w.ctx, w.ws.ID, seg.ID, w.ids[friend])
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		if member("Cat") {
			t.Fatal("Cat is a member before being tagged")
		}
		// The count kept on the segment is from its save; membership is read now.
		if err := w.store.AddFriendTags(w.ctx, w.ws.ID, w.ids["Cat"], []string{"regular"}, ""); err != nil {
			t.Fatal(err)
		}
		if !member("Cat") {
			t.Fatal("Cat is not a member right after being tagged")
		}
		if err := w.store.RemoveFriendTags(w.ctx, w.ws.ID, w.ids["Cat"], []string{"regular"}); err != nil {
			t.Fatal(err)
		}
		if member("Cat") {
			t.Fatal("Cat is still a member after the tag came off")
		}
		if _, err := w.store.IsSegmentMember(w.ctx, w.other.ID, seg.ID, w.ids["Cat"]); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's segment: %v, want ErrNotFound", err)
		}
		if in, err := w.store.IsSegmentMember(w.ctx, w.ws.ID, seg.ID, "no-such-friend"); err != nil || in {
			t.Fatalf("an unknown friend: %v, %v", in, err)
		}

		refreshed, err := w.store.RefreshSegmentCount(w.ctx, w.ws.ID, seg.ID)
		if err != nil || *refreshed.Count != 0 {
			t.Fatalf("refreshed count = %v, %v", refreshed.Count, err)
		}
	})
}

func TestSegmentRecipients_ExcludeBlockedAndPageByFriendIDWithoutRepeats(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		w := newSegmentWorld(t, db)
		ctx, store, ws := w.ctx, w.store, w.ws.ID
		// 23 more friends on account B, every third one blocked.
		wantB := map[string]bool{"Dan": true}
		for i := range 23 {
			name := "Extra" + string(rune('A'+i))
			friend, err := store.UpsertFriend(ctx, ws, w.accountB.ID, "U-"+name, models.FriendProfile{})
			if err != nil {
				t.Fatal(err)
			}
			w.names[friend.ID] = name
			if i%3 == 0 {
				if _, err := store.BlockFriend(ctx, ws, w.accountB.ID, "U-"+name, time.Now()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			wantB[name] = true
		}
		everybody := oneGroup(cond("friend_added_at", "within_days", "36500"))

		read := func(lineAccountID string, pageSize int) []models.Recipient {
			t.Helper()
			var all []models.Recipient
			after := ""
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("paging does not end")
				}
				page, err := store.SegmentRecipients(ctx, ws, everybody, lineAccountID, after, pageSize)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > pageSize {
					t.Fatalf("page of %d, asked for %d", len(page), pageSize)
				}
				if len(page) == 0 {
					return all
				}
				all = append(all, page...)
				after = page[len(page)-1].FriendID
			}
		}
		for _, pageSize := range []int{1, 4, 7, 1000} {
			got := read(w.accountB.ID, pageSize)
			seen := map[string]bool{}
			for i, r := range got {
				name := w.names[r.FriendID]
				if seen[name] {
					t.Fatalf("page size %d: %s twice", pageSize, name)
				}
				seen[name] = true
				if i > 0 && r.FriendID <= got[i-1].FriendID {
					t.Fatalf("page size %d: not in friend ID order at %d", pageSize, i)
				}
				if r.LineAccountID != w.accountB.ID || r.LineUserID != "U-"+name {
					t.Fatalf("page size %d: recipient %+v", pageSize, r)
				}
			}
			if !reflect.DeepEqual(seen, wantB) {
				t.Fatalf("page size %d: recipients %v, want %v", pageSize, seen, wantB)
			}
		}
		// Without an account: both accounts' members who do not block (Cat does).
		var names []string
		for _, r := range read("", 5) {
			names = append(names, w.names[r.FriendID])
		}
		if len(names) != len(wantB)+2 || !slices.Contains(names, "Ann") || !slices.Contains(names, "Ben") || slices.Contains(names, "Cat") {
			t.Fatalf("all accounts: %v", names)
		}
		if _, err := store.SegmentRecipients(ctx, ws, everybody, "", "", 0); !errors.Is(err, models.ErrInvalidInput) {
			t.Fatalf("limit 0: %v", err)
		}
	})
}
