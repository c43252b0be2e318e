package models_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// cond is a condition with its value written as JSON.
func cond(property, op, value string) segments.Condition {
	c := segments.Condition{Property: property, Op: op}
	if value != "" {
		c.Value = json.RawMessage(value)
	}
	return c
}

// oneGroup is a definition of one group of conditions.
func oneGroup(conds ...segments.Condition) segments.Definition {
	return segments.Definition{Groups: []segments.Group{{Conditions: conds}}}
}

func TestSegment_CreateGetUpdateDeleteCountsMembers(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		vip := f.friend(t, "U1")
		f.friend(t, "U2")
		if err := f.store.AddFriendTags(f.ctx, f.ws.ID, vip.ID, []string{"vip"}, ""); err != nil {
			t.Fatal(err)
		}

		created, err := f.store.CreateSegment(f.ctx, models.Segment{
			WorkspaceID: f.ws.ID, Name: "VIPs", Definition: oneGroup(cond("tag", "eq", `"vip"`)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if created.Count == nil || *created.Count != 1 || created.CountedAt == nil {
			t.Fatalf("count on create = %v at %v, want 1", created.Count, created.CountedAt)
		}
		got, err := f.store.GetSegment(f.ctx, f.ws.ID, created.ID)
		if err != nil || got.Name != "VIPs" || got.Definition.Groups[0].Conditions[0].Property != "tag" || *got.Count != 1 {
			t.Fatalf("get = %+v, %v", got, err)
		}
		if _, err := f.store.GetSegment(f.ctx, f.other.ID, created.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's get: %v, want ErrNotFound", err)
		}

		changed, err := f.store.UpdateSegment(f.ctx, models.Segment{
			ID: created.ID, WorkspaceID: f.ws.ID, Name: "Everyone not VIP", Definition: oneGroup(cond("tag", "ne", `"vip"`)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if changed.Name != "Everyone not VIP" || *changed.Count != 1 || !changed.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("after update = %+v", changed)
		}
		if _, err := f.store.UpdateSegment(f.ctx, models.Segment{
			ID: created.ID, WorkspaceID: f.other.ID, Name: "x", Definition: oneGroup(cond("blocked", "eq", "true")),
		}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's update: %v, want ErrNotFound", err)
		}

		if err := f.store.DeleteSegment(f.ctx, f.other.ID, created.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's delete: %v", err)
		}
		if err := f.store.DeleteSegment(f.ctx, f.ws.ID, created.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.GetSegment(f.ctx, f.ws.ID, created.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
	})
}

func TestSegment_InvalidInputIsNamedByPath(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		bad := segments.Definition{Groups: []segments.Group{
			{Conditions: []segments.Condition{cond("tag", "eq", `"vip"`)}},
			{Conditions: []segments.Condition{cond("shopify.orders_count", "gt", "2"), cond("tag", "eq", "3")}},
		}}
		_, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Bad", Definition: bad})
		var invalid *models.ValidationError
		if !errors.As(err, &invalid) || !errors.Is(err, models.ErrInvalidInput) {
			t.Fatalf("err = %v, want a ValidationError", err)
		}
		want := map[string]string{
			"groups[1].conditions[0].property": "conditions for services that are not integrated cannot be used",
			"groups[1].conditions[1].value":    "must be a string",
		}
		if len(invalid.Fields) != len(want) {
			t.Fatalf("fields = %v, want %v", invalid.Fields, want)
		}
		for path, problem := range want {
			if invalid.Fields[path] != problem {
				t.Errorf("%s = %q, want %q", path, invalid.Fields[path], problem)
			}
		}

		// Once Shopify is connected, its conditions are accepted.
		if _, err := f.store.ConnectIntegration(f.ctx, f.ws.ID, segments.ServiceShopify); err != nil {
			t.Fatal(err)
		}
		bad.Groups[1].Conditions = bad.Groups[1].Conditions[:1]
		if _, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Shoppers", Definition: bad}); err != nil {
			t.Fatalf("with Shopify connected: %v", err)
		}

		var field *models.FieldError
		_, err = f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Definition: oneGroup(cond("blocked", "eq", "true"))})
		if !errors.As(err, &field) || field.Field != "name" {
			t.Fatalf("no name: %v", err)
		}
		missing := "no-such-folder"
		_, err = f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "x", FolderID: &missing, Definition: oneGroup(cond("blocked", "eq", "true"))})
		if !errors.As(err, &field) || field.Field != "folderId" {
			t.Fatalf("unknown folder: %v", err)
		}
	})
}

func TestSegment_NamesAreUniqueInAWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		def := oneGroup(cond("blocked", "eq", "false"))
		first, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Active", Definition: def})
		if err != nil {
			t.Fatal(err)
		}
		var conflict *models.ConflictError
		_, err = f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Active", Definition: def})
		if !errors.As(err, &conflict) || conflict.Field != "name" {
			t.Fatalf("same name: %v, want a ConflictError on name", err)
		}
		if _, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.other.ID, Name: "Active", Definition: def}); err != nil {
			t.Fatalf("same name in another workspace: %v", err)
		}
		second, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Second", Definition: def})
		if err != nil {
			t.Fatal(err)
		}
		second.Name = first.Name
		if _, err := f.store.UpdateSegment(f.ctx, second); !errors.As(err, &conflict) {
			t.Fatalf("rename onto a taken name: %v", err)
		}
	})
}

func TestSegmentFolders_MoveListRenameAndDeleteOnlyWhenEmpty(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newFriendFixture(t, db)
		folder, err := f.store.CreateSegmentFolder(f.ctx, f.ws.ID, "Campaigns")
		if err != nil {
			t.Fatal(err)
		}
		var conflict *models.ConflictError
		if _, err := f.store.CreateSegmentFolder(f.ctx, f.ws.ID, "Campaigns"); !errors.As(err, &conflict) {
			t.Fatalf("same folder name: %v", err)
		}
		def := oneGroup(cond("blocked", "eq", "false"))
		inFolder, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "In", FolderID: &folder.ID, Definition: def})
		if err != nil {
			t.Fatal(err)
		}
		loose, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "Loose", Definition: def})
		if err != nil {
			t.Fatal(err)
		}

		list := func(folderID *string) []string {
			t.Helper()
			rows, next, err := f.store.ListSegments(f.ctx, f.ws.ID, folderID, models.Page{})
			if err != nil || next != "" {
				t.Fatalf("list: %v (next %q)", err, next)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
			}
			return names
		}
		none := ""
		if got := list(&folder.ID); len(got) != 1 || got[0] != "In" {
			t.Fatalf("folder lists %v", got)
		}
		if got := list(&none); len(got) != 1 || got[0] != "Loose" {
			t.Fatalf("no folder lists %v", got)
		}
		if got := list(nil); len(got) != 2 || got[0] != "Loose" {
			t.Fatalf("all, newest first: %v", got)
		}

		if err := f.store.DeleteSegmentFolder(f.ctx, f.ws.ID, folder.ID); !errors.As(err, &conflict) {
			t.Fatalf("delete a folder holding a segment: %v, want a ConflictError", err)
		}
		if err := f.store.MoveSegment(f.ctx, f.ws.ID, loose.ID, &folder.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(&folder.ID); len(got) != 2 {
			t.Fatalf("after move the folder lists %v", got)
		}
		if err := f.store.MoveSegment(f.ctx, f.other.ID, loose.ID, nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's move: %v", err)
		}
		for _, id := range []string{inFolder.ID, loose.ID} {
			if err := f.store.MoveSegment(f.ctx, f.ws.ID, id, nil); err != nil {
				t.Fatal(err)
			}
		}

		renamed, err := f.store.RenameSegmentFolder(f.ctx, f.ws.ID, folder.ID, "Old campaigns")
		if err != nil || renamed.Name != "Old campaigns" {
			t.Fatalf("rename = %+v, %v", renamed, err)
		}
		folders, _, err := f.store.ListSegmentFolders(f.ctx, f.ws.ID, models.Page{})
		if err != nil || len(folders) != 1 || folders[0].Name != "Old campaigns" {
			t.Fatalf("folders = %+v, %v", folders, err)
		}
		if err := f.store.DeleteSegmentFolder(f.ctx, f.other.ID, folder.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's folder delete: %v", err)
		}
		if err := f.store.DeleteSegmentFolder(f.ctx, f.ws.ID, folder.ID); err != nil {
			t.Fatalf("delete the emptied folder: %v", err)
		}
	})
}
