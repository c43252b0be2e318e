package models_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

func TestFriendIntegrationData_WritesAreUpsertsScopedToTheWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		friend := f.friend(t, "U1")
		ctx, store, ws := f.ctx, f.store, f.ws.ID
		count := func(d segments.Definition) int64 {
			t.Helper()
			n, err := store.CountSegment(ctx, ws, d)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Linking again replaces the ID; the friend is found by the new one only.
		for _, id := range []string{"C1", "C1", "C2"} {
			if err := store.LinkFriend(ctx, ws, friend.ID, segments.ServiceShopify, id); err != nil {
				t.Fatal(err)
			}
		}
		if ids, err := store.FriendsLinkedTo(ctx, ws, segments.ServiceShopify, "C2"); err != nil || !reflect.DeepEqual(ids, []string{friend.ID}) {
			t.Fatalf("linked to C2: %v, %v", ids, err)
		}
		if ids, _ := store.FriendsLinkedTo(ctx, ws, segments.ServiceShopify, "C1"); len(ids) != 0 {
			t.Fatalf("still linked to C1: %v", ids)
		}

		// A list twice is one membership; removing it twice is no error.
		for range 2 {
			if err := store.AddFriendToIntegrationList(ctx, ws, friend.ID, segments.ServiceHubSpot, "L1"); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(oneGroup(cond("hubspot.list", "eq", `"L1"`))); n != 1 {
			t.Fatalf("on L1: %d", n)
		}
		for range 2 {
			if err := store.RemoveFriendFromIntegrationList(ctx, ws, friend.ID, segments.ServiceHubSpot, "L1"); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(oneGroup(cond("hubspot.list", "eq", `"L1"`))); n != 0 {
			t.Fatalf("on L1 after removal: %d", n)
		}

		// Properties: a number as text compares as a number; nil removes.
		props := map[string]any{"score": " 12.5 ", "plan": "gold"}
		if err := store.SetFriendIntegrationProperties(ctx, ws, friend.ID, segments.ServiceKlaviyo, props); err != nil {
			t.Fatal(err)
		}
		if n := count(oneGroup(cond("klaviyo.property.score", "gt", `12`))); n != 1 {
			t.Fatalf("score > 12: %d", n)
		}
		if err := store.SetFriendIntegrationProperties(ctx, ws, friend.ID, segments.ServiceKlaviyo, map[string]any{"score": nil}); err != nil {
			t.Fatal(err)
		}
		if n := count(oneGroup(cond("klaviyo.property.score", "exists", ``))); n != 0 {
			t.Fatalf("score still set: %d", n)
		}
		if n := count(oneGroup(cond("klaviyo.property.plan", "eq", `"gold"`))); n != 1 {
			t.Fatalf("the other property was lost: %d", n)
		}

		// A Shopify customer's tags are replaced as a whole.
		last := time.Now().Add(-time.Hour)
		if err := store.SetShopifyCustomer(ctx, ws, friend.ID, models.ShopifyCustomer{OrdersCount: 2, LastOrderAt: &last, Tags: []string{"a", "b", "a"}}); err != nil {
			t.Fatal(err)
		}
		if err := store.SetShopifyCustomer(ctx, ws, friend.ID, models.ShopifyCustomer{OrdersCount: 3, Tags: []string{"c"}}); err != nil {
			t.Fatal(err)
		}
		if n := count(oneGroup(cond("shopify.tag", "contains_any", `["a", "b"]`))); n != 0 {
			t.Fatalf("old Shopify tags kept: %d", n)
		}
		if n := count(oneGroup(cond("shopify.tag", "eq", `"c"`), cond("shopify.orders_count", "eq", `3`))); n != 1 {
			t.Fatalf("new Shopify data: %d", n)
		}
		if n := count(oneGroup(cond("shopify.days_since_last_order", "gte", `0`))); n != 0 {
			t.Fatalf("a cleared last order still counts: %d", n)
		}

		// Another workspace's friend is not found, and nothing is written for it.
		writes := []error{
			store.LinkFriend(ctx, f.other.ID, friend.ID, segments.ServiceShopify, "X"),
			store.AddFriendToIntegrationList(ctx, f.other.ID, friend.ID, segments.ServiceHubSpot, "L9"),
			store.SetFriendIntegrationProperties(ctx, f.other.ID, friend.ID, segments.ServiceHubSpot, map[string]any{"p": 1}),
			store.SetShopifyCustomer(ctx, f.other.ID, friend.ID, models.ShopifyCustomer{OrdersCount: 9}),
		}
		for i, err := range writes {
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("write %d for another workspace: %v, want ErrNotFound", i, err)
			}
		}
		if err := store.LinkFriend(ctx, ws, friend.ID, "salesforce", "X"); !errors.Is(err, models.ErrInvalidInput) {
			t.Errorf("an unknown service: %v", err)
		}
	})
}

func TestIntegrations_ConnectTwiceKeepsOneAndDisconnectRefusesAgain(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		first, err := f.store.ConnectIntegration(f.ctx, f.ws.ID, segments.ServiceHubSpot)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.store.ConnectIntegration(f.ctx, f.ws.ID, segments.ServiceHubSpot)
		if err != nil || again.ID != first.ID {
			t.Fatalf("connect again = %+v, %v; want %s", again, err, first.ID)
		}
		got, err := f.store.ConnectedIntegrations(f.ctx, f.ws.ID)
		if err != nil || got != (segments.Integrations{HubSpot: true}) {
			t.Fatalf("connected = %+v, %v", got, err)
		}
		if other, _ := f.store.ConnectedIntegrations(f.ctx, f.other.ID); other != (segments.Integrations{}) {
			t.Fatalf("another workspace has %+v", other)
		}
		def := oneGroup(cond("hubspot.list", "eq", `"L1"`))
		if _, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "On L1", Definition: def}); err != nil {
			t.Fatal(err)
		}
		if err := f.store.DisconnectIntegration(f.ctx, f.ws.ID, segments.ServiceHubSpot); err != nil {
			t.Fatal(err)
		}
		if err := f.store.DisconnectIntegration(f.ctx, f.ws.ID, segments.ServiceHubSpot); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("disconnect twice: %v", err)
		}
		var invalid *models.ValidationError
		_, err = f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "On L1 again", Definition: def})
		if !errors.As(err, &invalid) || invalid.Fields["groups[0].conditions[0].property"] != "conditions for services that are not integrated cannot be used" {
			t.Fatalf("after disconnect: %v", err)
		}
	})
}
