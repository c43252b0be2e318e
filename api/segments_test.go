package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// segmentOut is a segment as the API returns it.
type segmentOut struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	FolderID  *string           `json:"folderId"`
	Groups    []json.RawMessage `json:"groups"`
	Summary   string            `json:"summary"`
	Count     *int64            `json:"count"`
	CountedAt *time.Time        `json:"countedAt"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

type segmentFolderOut struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// tagSegment is the groups of a segment of the friends carrying any of tags.
func tagSegment(tags ...string) string {
	list, _ := json.Marshal(tags)
	return fmt.Sprintf(`[{"conditions": [{"property": "tag", "op": "contains_any", "value": %s}]}]`, list)
}

// createSegment saves a segment of groups (JSON) and returns it.
func (a *testAPI) createSegment(key, name, groups string) segmentOut {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/segments", key, fmt.Sprintf(`{"name": %q, "groups": %s}`, name, groups))
	res.wantStatus(a.t, http.StatusCreated)
	var seg segmentOut
	res.decode(a.t, &seg)
	return seg
}

func (a *testAPI) createSegmentFolder(key, name string) segmentFolderOut {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/segment-folders", key, fmt.Sprintf(`{"name": %q}`, name))
	res.wantStatus(a.t, http.StatusCreated)
	var f segmentFolderOut
	res.decode(a.t, &f)
	return f
}

// putSegment sends a PUT and returns the segment it answers.
func (a *testAPI) putSegment(t *testing.T, key, id, body string) segmentOut {
	t.Helper()
	res := a.do(http.MethodPut, "/v1/segments/"+id, key, body)
	res.wantStatus(t, http.StatusOK)
	var seg segmentOut
	res.decode(t, &seg)
	return seg
}

// tagFriends makes n friends of the account in the workspace, each with tags.
func (a *testAPI) tagFriends(ws, account string, from, n int, tags ...string) []string {
	a.t.Helper()
	ctx := context.Background()
	var ids []string
	for i := from; i < from+n; i++ {
		friend, err := a.store.UpsertFriend(ctx, ws, account, lineUser(i), models.FriendProfile{DisplayName: fmt.Sprintf("Friend %d", i)})
		if err != nil {
			a.t.Fatal(err)
		}
		if len(tags) > 0 {
			if err := a.store.AddFriendTags(ctx, ws, friend.ID, tags, ""); err != nil {
				a.t.Fatal(err)
			}
		}
		ids = append(ids, friend.ID)
	}
	return ids
}

func TestSegments_CreateReadChangeMoveDelete(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		ws, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000").ID
		a.tagFriends(ws, account, 1, 3, "vip")
		a.tagFriends(ws, account, 10, 2, "tea")
		folder := a.createSegmentFolder(key, "Spring")

		res := a.do(http.MethodPost, "/v1/segments", key, fmt.Sprintf(`{"name": "VIPs", "folderId": %q, "groups": %s}`, folder.ID, tagSegment("vip")))
		res.wantStatus(t, http.StatusCreated)
		var created segmentOut
		res.decode(t, &created)
		if created.ID == "" || created.Name != "VIPs" || created.FolderID == nil || *created.FolderID != folder.ID ||
			len(created.Groups) != 1 || created.Count == nil || *created.Count != 3 || created.CountedAt == nil ||
			!strings.Contains(created.Summary, "vip") || created.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", created)
		}
		get := a.do(http.MethodGet, "/v1/segments/"+created.ID, key, "")
		get.wantStatus(t, http.StatusOK)
		var got segmentOut
		get.decode(t, &got)
		if !reflect.DeepEqual(got, created) {
			t.Fatalf("get = %+v, want %+v", got, created)
		}

		// Redrawn: counted again. The name and folder stay.
		redrawn := a.putSegment(t, key, created.ID, `{"groups": `+tagSegment("vip", "tea")+`}`)
		if redrawn.Count == nil || *redrawn.Count != 5 || redrawn.Name != "VIPs" || redrawn.FolderID == nil || *redrawn.FolderID != folder.ID {
			t.Fatalf("redrawn = %+v", redrawn)
		}
		renamed := a.putSegment(t, key, created.ID, `{"name": "VIPs and tea"}`)
		if renamed.Name != "VIPs and tea" || *renamed.Count != 5 || string(renamed.Groups[0]) != string(redrawn.Groups[0]) {
			t.Fatalf("renamed = %+v", renamed)
		}
		// A move alone; null and "" both take it out of its folder.
		other := a.createSegmentFolder(key, "Summer")
		if moved := a.putSegment(t, key, created.ID, fmt.Sprintf(`{"folderId": %q}`, other.ID)); moved.FolderID == nil || *moved.FolderID != other.ID || moved.Name != "VIPs and tea" {
			t.Fatalf("moved = %+v", moved)
		}
		if unfiled := a.putSegment(t, key, created.ID, `{"folderId": null}`); unfiled.FolderID != nil {
			t.Fatalf("unfiled = %+v", unfiled)
		}
		a.putSegment(t, key, created.ID, fmt.Sprintf(`{"folderId": %q}`, other.ID))
		if unfiled := a.putSegment(t, key, created.ID, `{"folderId": ""}`); unfiled.FolderID != nil {
			t.Fatalf("unfiled with \"\" = %+v", unfiled)
		}
		// Nothing to change: the segment as it is.
		if same := a.putSegment(t, key, created.ID, `{}`); !same.UpdatedAt.Equal(a.putSegment(t, key, created.ID, `{}`).UpdatedAt) {
			t.Errorf("an empty PUT changed updatedAt")
		}

		a.do(http.MethodDelete, "/v1/segments/"+created.ID, key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodGet, "/v1/segments/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, "/v1/segments/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodPut, "/v1/segments/"+created.ID, key, `{"name": "x"}`).wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/v1/segments/"+created.ID+"/preview", key, "").wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestSegments_ListIsPagedNewestFirstAndByFolder(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	folder := a.createSegmentFolder(key, "Spring")
	first := a.createSegment(key, "First", tagSegment("a"))
	second := a.createSegment(key, "Second", tagSegment("b"))
	third := a.createSegment(key, "Third", tagSegment("c"))
	a.putSegment(t, key, first.ID, fmt.Sprintf(`{"folderId": %q}`, folder.ID))
	a.putSegment(t, key, third.ID, fmt.Sprintf(`{"folderId": %q}`, folder.ID))

	type page struct {
		Items      []segmentOut `json:"items"`
		NextCursor string       `json:"nextCursor"`
	}
	pages := func(query string) [][]string {
		var out [][]string
		cursor := ""
		for range 10 {
			res := a.do(http.MethodGet, "/v1/segments?limit=2"+query+"&cursor="+cursor, key, "")
			res.wantStatus(t, http.StatusOK)
			var p page
			res.decode(t, &p)
			var names []string
			for _, seg := range p.Items {
				names = append(names, seg.Name)
			}
			out = append(out, names)
			if cursor = p.NextCursor; cursor == "" {
				return out
			}
		}
		t.Fatal("more than 10 pages")
		return nil
	}
	if got, want := pages(""), [][]string{{"Third", "Second"}, {"First"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("pages = %q, want %q", got, want)
	}
	if got, want := pages("&folderId="+folder.ID), [][]string{{"Third", "First"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("pages of the folder = %q, want %q", got, want)
	}
	_ = second

	_, otherKey := a.workspace("globex")
	theirs := a.createSegmentFolder(otherKey, "Theirs")
	bad := a.do(http.MethodGet, "/v1/segments?folderId="+theirs.ID, key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(bad.Fields["folderId"], "no segment folder") {
		t.Errorf("fields = %v", bad.Fields)
	}
	a.do(http.MethodGet, "/v1/segments?limit=0", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	a.do(http.MethodGet, "/v1/segments?cursor=%21", key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
}

func TestSegments_BadInputIsNamedByPath(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	_, otherKey := a.workspace("globex")
	theirFolder := a.createSegmentFolder(otherKey, "Theirs")
	a.createSegment(key, "Taken", tagSegment("vip"))
	good := `{"conditions": [{"property": "tag", "op": "contains_any", "value": ["vip"]}]}`

	cases := []struct {
		name   string
		body   string
		status int
		fields map[string]string
	}{
		{"malformed", `{"name": "x",`, http.StatusBadRequest, nil},
		{"a key twice", `{"name": "x", "name": "y", "groups": [` + good + `]}`, http.StatusBadRequest, map[string]string{"name": "duplicate key"}},
		{"nothing", `{}`, http.StatusUnprocessableEntity, map[string]string{"name": "required", "groups": ""}},
		{"two-line name", `{"name": "a\nb", "groups": [` + good + `]}`, http.StatusUnprocessableEntity, map[string]string{"name": "line breaks"}},
		{"unknown field", `{"name": "x", "groups": [{"conditions": [{"property": "tag", "operator": "contains_any", "value": ["vip"]}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"groups[0].conditions[0].operator": "unknown field"}},
		{"bad value in the second group", `{"name": "x", "groups": [` + good + `, {"conditions": [{"property": "friend_added_at", "op": "within_days", "value": "soon"}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"groups[1].conditions[0].value": ""}},
		{"unknown property", `{"name": "x", "groups": [{"conditions": [{"property": "age", "op": "eq", "value": 3}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"groups[0].conditions[0].property": ""}},
		{"unknown operator", `{"name": "x", "groups": [{"conditions": [{"property": "tag", "op": "like", "value": ["vip"]}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"groups[0].conditions[0].op": ""}},
		{"a service the workspace has not connected", `{"name": "x", "groups": [{"conditions": [{"property": "shopify.orders_count", "op": "gte", "value": 2}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"groups[0].conditions[0].property": "conditions for services that are not integrated cannot be used"}},
		{"another workspace's folder", `{"name": "x", "folderId": "` + theirFolder.ID + `", "groups": [` + good + `]}`,
			http.StatusUnprocessableEntity, map[string]string{"folderId": ""}},
		{"every problem at once", `{"name": " ", "groups": [{"conditions": [{"property": "tag", "op": "like", "value": ["vip"]}]}]}`,
			http.StatusUnprocessableEntity, map[string]string{"name": "blank", "groups[0].conditions[0].op": ""}},
		{"a name in use", `{"name": "Taken", "groups": [` + good + `]}`, http.StatusConflict, map[string]string{"name": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := map[int]string{http.StatusBadRequest: "malformed_json", http.StatusUnprocessableEntity: "validation_failed", http.StatusConflict: "conflict"}[tc.status]
			got := a.do(http.MethodPost, "/v1/segments", key, tc.body).wantError(t, tc.status, code)
			for path, want := range tc.fields {
				problem, ok := got.Fields[path]
				if !ok || !strings.Contains(problem, want) {
					t.Errorf("fields[%s] = %q, want %q; all: %v", path, problem, want, got.Fields)
				}
			}
		})
	}

	// PUT judges the same way, and a move names only folders of the workspace.
	seg := a.createSegment(key, "Mine", tagSegment("vip"))
	bad := a.do(http.MethodPut, "/v1/segments/"+seg.ID, key, `{"groups": [{"conditions": [{"property": "tag", "op": "like"}]}]}`).
		wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	if _, ok := bad.Fields["groups[0].conditions[0].op"]; !ok {
		t.Errorf("fields = %v", bad.Fields)
	}
	a.do(http.MethodPut, "/v1/segments/"+seg.ID, key, `{"folderId": "`+theirFolder.ID+`"}`).
		wantError(t, http.StatusUnprocessableEntity, "validation_failed")
	a.do(http.MethodPut, "/v1/segments/"+seg.ID, key, `{"folderId": 7}`).wantError(t, http.StatusBadRequest, "malformed_json")
	a.do(http.MethodPut, "/v1/segments/"+seg.ID, key, `{"name": "Taken"}`).wantError(t, http.StatusConflict, "conflict")
}

func TestSegments_PreviewCountsAndShowsTenFriendsAndTheSummary(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		ws, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000").ID
		members := a.tagFriends(ws, account, 1, 12, "vip")
		a.tagFriends(ws, account, 100, 3, "tea")
		seg := a.createSegment(key, "VIPs", tagSegment("vip"))
		if *seg.Count != 12 {
			t.Fatalf("count on save = %d", *seg.Count)
		}
		// Two more members since the save: the preview counts now.
		more := a.tagFriends(ws, account, 200, 2, "vip")

		res := a.do(http.MethodGet, "/v1/segments/"+seg.ID+"/preview", key, "")
		res.wantStatus(t, http.StatusOK)
		var preview struct {
			Count   int64       `json:"count"`
			Friends []friendOut `json:"friends"`
			Summary string      `json:"summary"`
		}
		res.decode(t, &preview)
		if preview.Count != 14 || len(preview.Friends) != 10 || preview.Summary != seg.Summary || !strings.Contains(preview.Summary, "vip") {
			t.Fatalf("preview = count %d, %d friends, summary %q", preview.Count, len(preview.Friends), preview.Summary)
		}
		isMember := map[string]bool{}
		for _, id := range append(members, more...) {
			isMember[id] = true
		}
		for _, f := range preview.Friends {
			if !isMember[f.ID] || f.LineAccountID != account || f.LineUserID == "" || f.DisplayName == "" || !reflect.DeepEqual(f.Tags, []string{"vip"}) {
				t.Errorf("preview friend %+v", f)
			}
		}
		// The friend shape is the list's: no fields.
		var raw struct {
			Friends []map[string]json.RawMessage `json:"friends"`
		}
		res.decode(t, &raw)
		if _, ok := raw.Friends[0]["fields"]; ok {
			t.Errorf("a preview friend has fields: %s", res.body)
		}
	})
}

func TestSegments_DeletingOneALiveWorkflowBranchesOnIsAConflict(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000").ID
	seg := a.createSegment(key, "VIPs", tagSegment("vip"))
	w := a.createWorkflow(key, segmentBranchDefinition("Sorter", account, seg.ID))
	a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)

	got := a.do(http.MethodDelete, "/v1/segments/"+seg.ID, key, "").wantError(t, http.StatusConflict, "conflict")
	if !strings.Contains(got.Message, "Sorter") {
		t.Errorf("message = %q, want the workflow named", got.Message)
	}
	a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/stop", key, "").wantStatus(t, http.StatusOK)
	a.do(http.MethodDelete, "/v1/segments/"+seg.ID, key, "").wantStatus(t, http.StatusNoContent)
}

// segmentBranchDefinition branches on a segment.
func segmentBranchDefinition(name, lineAccountID, segmentID string) string {
	return fmt.Sprintf(`{
  "name": %q,
  "lineAccountId": %q,
  "trigger": {"type": "manual"},
  "start": "sort",
  "nodes": [
    {"id": "sort", "type": "branch", "branches": [{"when": {"any": [{"tag": "seen-vip"}, {"segment": %q}]}, "next": "vip"}], "else": "others"},
    {"id": "vip", "type": "tag", "add": ["seen-vip"]},
    {"id": "others", "type": "tag", "add": ["seen-other"]}
  ]
}`, name, lineAccountID, segmentID)
}

// Activation lets a branch test a segment of the workspace, and names by path one that
// is unknown or another workspace's.
func TestSegments_ActivationChecksTheSegmentsBranchesName(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	_, otherKey := a.workspace("globex")
	account := a.createAccount(key, "Shop", "1650000000").ID
	mine := a.createSegment(key, "VIPs", tagSegment("vip"))
	theirs := a.createSegment(otherKey, "Theirs", tagSegment("vip"))

	cases := []struct {
		name, segmentID string
		status          int
	}{
		{"the workspace's segment", mine.ID, http.StatusOK},
		{"another workspace's segment", theirs.ID, http.StatusUnprocessableEntity},
		{"no such segment", "seg_missing", http.StatusUnprocessableEntity},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := a.createWorkflow(key, segmentBranchDefinition(fmt.Sprintf("Sorter %d", i), account, tc.segmentID))
			res := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "")
			if tc.status == http.StatusOK {
				res.wantStatus(t, http.StatusOK)
				return
			}
			got := res.wantError(t, tc.status, "validation_failed")
			if problem := got.Fields["nodes[0].branches[0].when.any[1].segment"]; !strings.Contains(problem, "unknown segment") {
				t.Errorf("fields = %v", got.Fields)
			}
		})
	}
}

func TestSegmentFolders_CreateListRenameAndDeleteOnlyWhenEmpty(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		spring := a.createSegmentFolder(key, "Spring")
		summer := a.createSegmentFolder(key, "Summer")
		if spring.ID == "" || spring.Name != "Spring" || spring.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", spring)
		}

		list := a.do(http.MethodGet, "/v1/segment-folders?limit=1", key, "")
		list.wantStatus(t, http.StatusOK)
		var page struct {
			Items      []segmentFolderOut `json:"items"`
			NextCursor string             `json:"nextCursor"`
		}
		list.decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != summer.ID || page.NextCursor == "" {
			t.Fatalf("first page = %+v", page)
		}

		res := a.do(http.MethodPut, "/v1/segment-folders/"+spring.ID, key, `{"name": "Spring 2026"}`)
		res.wantStatus(t, http.StatusOK)
		var renamed segmentFolderOut
		res.decode(t, &renamed)
		if renamed.ID != spring.ID || renamed.Name != "Spring 2026" {
			t.Fatalf("renamed = %+v", renamed)
		}
		a.do(http.MethodPut, "/v1/segment-folders/"+spring.ID, key, `{"name": "Summer"}`).wantError(t, http.StatusConflict, "conflict")
		a.do(http.MethodPost, "/v1/segment-folders", key, `{"name": "Summer"}`).wantError(t, http.StatusConflict, "conflict")
		a.do(http.MethodPost, "/v1/segment-folders", key, `{"name": ""}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		a.do(http.MethodPut, "/v1/segment-folders/"+spring.ID, key, `{"name": "a\tb"}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")

		seg := a.createSegment(key, "VIPs", tagSegment("vip"))
		a.putSegment(t, key, seg.ID, fmt.Sprintf(`{"folderId": %q}`, spring.ID))
		a.do(http.MethodDelete, "/v1/segment-folders/"+spring.ID, key, "").wantError(t, http.StatusConflict, "conflict")
		a.putSegment(t, key, seg.ID, `{"folderId": null}`)
		a.do(http.MethodDelete, "/v1/segment-folders/"+spring.ID, key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodDelete, "/v1/segment-folders/"+spring.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodPut, "/v1/segment-folders/"+spring.ID, key, `{"name": "x"}`).wantError(t, http.StatusNotFound, "not_found")
	})
}

// A condition naming another workspace's objects matches nothing: the count and the
// preview only ever see the caller's friends.
func TestSegments_ConditionsNamingAnotherWorkspacesObjectsMatchNothing(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	wsA, keyA := a.workspace("a")
	_, keyB := a.workspace("b")
	accountA := a.createAccount(keyA, "A's account", "1650000000").ID
	a.tagFriends(wsA, accountA, 1, 3, "vip")
	workflowA := a.activeWorkflow(keyA, "A's workflow", accountA).ID

	for name, condition := range map[string]string{
		"A's LINE account": fmt.Sprintf(`{"property": "line_account", "op": "eq", "value": %q}`, accountA),
		"A's workflow":     fmt.Sprintf(`{"property": "workflow.enrolled", "op": "ne", "value": %q}`, workflowA),
		"A's tag":          `{"property": "tag", "op": "contains_any", "value": ["vip"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			seg := a.createSegment(keyB, "B's "+name, `[{"conditions": [`+condition+`]}]`)
			if seg.Count == nil || *seg.Count != 0 {
				t.Errorf("count = %v, want 0", seg.Count)
			}
			res := a.do(http.MethodGet, "/v1/segments/"+seg.ID+"/preview", keyB, "")
			res.wantStatus(t, http.StatusOK)
			var preview struct {
				Count   int64             `json:"count"`
				Friends []json.RawMessage `json:"friends"`
			}
			res.decode(t, &preview)
			if preview.Count != 0 || len(preview.Friends) != 0 || !strings.Contains(string(res.body), `"friends":[]`) {
				t.Errorf("preview = %s", res.body)
			}
		})
	}
}
