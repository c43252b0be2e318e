package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// workflowFixture is a store with a workspace to put workflows in.
type workflowFixture struct {
	ctx   context.Context
	db    *database.DB
	store *models.Store
	ws    models.Workspace
}

func newWorkflowFixture(t *testing.T, db *database.DB) workflowFixture {
	t.Helper()
	store := testenv.Store(t, db)
	ws, _ := testenv.Workspace(t, store, "acme")
	return workflowFixture{ctx: context.Background(), db: db, store: store, ws: ws}
}

// draftDoc is a draft definition named name, written the way a person might send it:
// keys out of order and loose spacing, which the Store must keep as they are.
func draftDoc(name, trigger string) []byte {
	return fmt.Appendf(nil, `{"start": "hello",  "name": %q, "trigger": {"type": %q},
  "nodes": [{"type": "send_message", "id": "hello"}]}`, name, trigger)
}

// draft is a WorkflowInput as the API hands one over: the document and what it read from it.
func draft(name string) models.WorkflowInput {
	return models.WorkflowInput{Name: name, TriggerType: "friend_added", Document: draftDoc(name, "friend_added")}
}

// renameDraft is a DraftRenamer like the API's: it sets the document's name and reads the
// metadata back out of it.
func renameDraft(doc []byte, name string) (models.WorkflowInput, error) {
	var d struct {
		Description string `json:"description"`
		Trigger     struct {
			Type string `json:"type"`
		} `json:"trigger"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return models.WorkflowInput{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return models.WorkflowInput{}, err
	}
	fields["name"], _ = json.Marshal(name)
	renamed, err := json.Marshal(fields)
	if err != nil {
		return models.WorkflowInput{}, err
	}
	return models.WorkflowInput{Name: name, Description: d.Description, TriggerType: d.Trigger.Type, Document: renamed}, nil
}

// activation freezes a definition that differs from others by tag.
func activation(tag string, starts ...string) models.Activation {
	return models.Activation{
		Document:        fmt.Appendf(nil, `{"name":"frozen","tag":%q,"trigger":{"type":"friend_added"}}`, tag),
		Hash:            "hash-" + tag,
		TriggerType:     "friend_added",
		StartsWorkflows: starts,
		Actor:           "publisher@example.com",
	}
}

func (f workflowFixture) create(t *testing.T, name string) models.Workflow {
	t.Helper()
	w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft(name), "creator@example.com", 0)
	if err != nil {
		t.Fatalf("create %q: %v", name, err)
	}
	return w
}

func (f workflowFixture) activate(t *testing.T, id string, a models.Activation) (models.Workflow, models.WorkflowVersion) {
	t.Helper()
	w, v, err := f.store.Activate(f.ctx, f.ws.ID, id, a)
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	return w, v
}

// inStatus creates a workflow named name and takes it to status the way a user would.
func (f workflowFixture) inStatus(t *testing.T, name string, status models.WorkflowStatus) models.Workflow {
	t.Helper()
	w := f.create(t, name)
	must := func(_ models.Workflow, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("take %q to %s: %v", name, status, err)
		}
	}
	switch status {
	case models.WorkflowDraft:
	case models.WorkflowActive:
		f.activate(t, w.ID, activation(name))
	case models.WorkflowPaused:
		f.activate(t, w.ID, activation(name))
		must(f.store.Pause(f.ctx, f.ws.ID, w.ID))
	case models.WorkflowStopped:
		f.activate(t, w.ID, activation(name))
		must(f.store.Stop(f.ctx, f.ws.ID, w.ID))
	case models.WorkflowArchived:
		must(f.store.Archive(f.ctx, f.ws.ID, w.ID))
	default:
		t.Fatalf("no way to %s", status)
	}
	got, err := f.store.GetWorkflow(f.ctx, f.ws.ID, w.ID)
	if err != nil || got.Status != status {
		t.Fatalf("workflow %q is %s (%v), want %s", name, got.Status, err, status)
	}
	return got
}

func (f workflowFixture) versionCount(t *testing.T, workflowID string) int64 {
	t.Helper()
	var n int64
	if err := f.db.Raw("SELECT count(*) FROM workflow_versions WHERE workflow_id = ?", workflowID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateWorkflow_SavesADraftAsSent(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		in := draft("Welcome survey")
		in.Description = "Greets new friends"
		created, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, in, "mina@example.com", 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.store.GetWorkflow(f.ctx, f.ws.ID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.WorkflowDraft || got.Name != "Welcome survey" || got.Description != "Greets new friends" ||
			got.TriggerType != "friend_added" || got.CreatedBy != "mina@example.com" || got.CreatedAt.IsZero() {
			t.Errorf("workflow = %+v", got)
		}
		if got.ActiveVersionID != nil || got.ActiveVersion != 0 || got.LastPublishedAt != nil || got.LastPublishedBy != "" {
			t.Errorf("a new draft has publication data: %+v", got)
		}
		if string(got.Draft) != string(in.Document) {
			t.Errorf("draft changed on the way:\n got %s\nwant %s", got.Draft, in.Document)
		}
	})
}

func TestCreateWorkflow_RejectsADocumentThatIsNotJSON(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		in := draft("Broken")
		in.Document = []byte(`{"name": `)
		if _, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, in, "", 0); err == nil {
			t.Fatal("a document that is not JSON was accepted")
		}
	})
}

func TestWorkflowNames_AreUniqueAmongLiveWorkflowsOfAWorkspace(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		first := f.create(t, "Welcome")
		isNameConflict := func(err error) bool {
			var conflict *models.ConflictError
			return errors.As(err, &conflict) && conflict.Field == "name" && errors.Is(err, models.ErrConflict)
		}

		if _, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft("Welcome"), "", 0); !isNameConflict(err) {
			t.Errorf("second %q: err = %v, want a ConflictError on name", "Welcome", err)
		}
		other := f.create(t, "welcome") // names compare case-sensitively
		if _, err := f.store.UpdateDraft(f.ctx, f.ws.ID, other.ID, draft("Welcome")); !isNameConflict(err) {
			t.Errorf("rename onto %q: err = %v, want a ConflictError on name", "Welcome", err)
		}
		if got, _ := f.store.GetWorkflow(f.ctx, f.ws.ID, other.ID); got.Name != "welcome" {
			t.Errorf("the refused rename changed the name to %q", got.Name)
		}
		if _, err := f.store.UpdateDraft(f.ctx, f.ws.ID, first.ID, draft("Welcome")); err != nil {
			t.Errorf("saving a draft under its own name: %v", err)
		}

		otherWS, _ := testenv.Workspace(t, f.store, "other")
		if _, err := f.store.CreateWorkflow(f.ctx, otherWS.ID, draft("Welcome"), "", 0); err != nil {
			t.Errorf("the same name in another workspace: %v", err)
		}
		if _, err := f.store.Archive(f.ctx, f.ws.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft("Welcome"), "", 0); err != nil {
			t.Errorf("the name of an archived workflow is not free: %v", err)
		}
	})
}

func TestCreateWorkflow_RefusesTheWorkflowPastTheLimitNotCountingArchived(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		var first models.Workflow
		for i := 1; i <= models.DefaultWorkflowLimit; i++ {
			w := f.create(t, fmt.Sprintf("Workflow %d", i))
			if i == 1 {
				first = w
			}
		}
		isLimit := func(err error, limit int) bool {
			var le *models.LimitError
			return errors.As(err, &le) && le.Limit == limit && errors.Is(err, models.ErrConflict)
		}
		_, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft("One too many"), "", 0)
		if !isLimit(err, 100) {
			t.Fatalf("workflow 101: err = %v, want a LimitError of 100", err)
		}
		if _, err := f.store.Clone(f.ctx, f.ws.ID, first.ID, "", 0, renameDraft); !isLimit(err, 100) {
			t.Fatalf("clone as workflow 101: err = %v, want a LimitError of 100", err)
		}
		if _, err := f.store.Archive(f.ctx, f.ws.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		f.create(t, "In the archived one's place")
		if _, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft("One too many"), "", 0); !isLimit(err, 100) {
			t.Fatalf("after filling the freed place: err = %v, want a LimitError of 100", err)
		}
		if _, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft("Under a higher limit"), "", 150); err != nil {
			t.Fatalf("under a limit of 150: %v", err)
		}
		otherWS, _ := testenv.Workspace(t, f.store, "other")
		if _, err := f.store.CreateWorkflow(f.ctx, otherWS.ID, draft("Elsewhere"), "", 0); err != nil {
			t.Fatalf("another workspace is limited by this one's workflows: %v", err)
		}
		var live int64
		db.Raw("SELECT count(*) FROM workflows WHERE workspace_id = ? AND status <> 'archived'", f.ws.ID).Scan(&live)
		if live != 101 {
			t.Fatalf("%d live workflows, want 101", live)
		}
	})
}

func TestCreateWorkflow_ConcurrentCreationsStopAtTheLimit(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		const limit, tries = 5, 12
		errs := make(chan error, tries)
		for i := 0; i < tries; i++ {
			go func() {
				_, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, draft(fmt.Sprintf("Racer %d", i)), "", limit)
				errs <- err
			}()
		}
		created := 0
		for i := 0; i < tries; i++ {
			var le *models.LimitError
			switch err := <-errs; {
			case err == nil:
				created++
			case errors.As(err, &le):
			default:
				t.Errorf("create: %v", err)
			}
		}
		if created != limit {
			t.Fatalf("%d workflows created under a limit of %d", created, limit)
		}
	})
}

func TestListWorkflows_FiltersByStatusAndPagesNewestFirstWithoutDrafts(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		var drafts []string
		for i := 0; i < 4; i++ {
			drafts = append(drafts, f.create(t, fmt.Sprintf("Draft %d", i)).ID)
		}
		active := f.inStatus(t, "Live", models.WorkflowActive)

		rows, next, err := f.store.ListWorkflows(f.ctx, f.ws.ID, models.WorkflowFilter{Status: models.WorkflowActive}, models.Page{})
		if err != nil || next != "" || len(rows) != 1 || rows[0].ID != active.ID {
			t.Fatalf("active ones = %v, %q, %v; want only %s", rows, next, err, active.ID)
		}
		if rows[0].ActiveVersion != 1 || rows[0].LastPublishedBy != "publisher@example.com" || rows[0].LastPublishedAt == nil ||
			rows[0].CreatedBy != "creator@example.com" {
			t.Errorf("list row lacks what the list shows: %+v", rows[0])
		}

		var seen []string
		page := models.Page{Limit: 3}
		for calls := 0; ; calls++ {
			if calls > 3 {
				t.Fatal("pagination does not end")
			}
			rows, next, err := f.store.ListWorkflows(f.ctx, f.ws.ID, models.WorkflowFilter{}, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range rows {
				if w.Draft != nil {
					t.Errorf("list row %s carries its draft", w.Name)
				}
				seen = append(seen, w.ID)
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
		want := []string{active.ID, drafts[3], drafts[2], drafts[1], drafts[0]}
		if strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Fatalf("pages = %v, want %v", seen, want)
		}
		if _, _, err := f.store.ListWorkflows(f.ctx, f.ws.ID, models.WorkflowFilter{Status: "running"}, models.Page{}); !errors.Is(err, models.ErrBadStatus) {
			t.Fatalf("unknown status: err = %v, want ErrBadStatus", err)
		}
	})
}

func TestUpdateDraft_OfAnActiveWorkflowLeavesTheActiveVersionAndRouting(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Greeter")
		activated, v1 := f.activate(t, w.ID, activation("v1"))

		edit := models.WorkflowInput{
			Name:        "Greeter, reworded",
			Description: "now for keywords",
			TriggerType: "message_received",
			Document:    draftDoc("Greeter, reworded", "message_received"),
		}
		edited, err := f.store.UpdateDraft(f.ctx, f.ws.ID, w.ID, edit)
		if err != nil {
			t.Fatal(err)
		}
		if edited.Status != models.WorkflowActive || edited.ActiveVersion != 1 || *edited.ActiveVersionID != v1.ID {
			t.Errorf("editing the draft changed the activation: %+v", edited)
		}
		if edited.TriggerType != "friend_added" {
			t.Errorf("trigger type = %q: editing the draft re-routed the active workflow", edited.TriggerType)
		}
		if edited.Name != edit.Name || edited.Description != edit.Description || string(edited.Draft) != string(edit.Document) {
			t.Errorf("draft not saved: %+v", edited)
		}
		if !edited.UpdatedAt.After(activated.UpdatedAt) && !edited.UpdatedAt.Equal(activated.UpdatedAt) {
			t.Errorf("updatedAt went back: %v then %v", activated.UpdatedAt, edited.UpdatedAt)
		}
		frozen, err := f.store.GetVersion(f.ctx, f.ws.ID, w.ID, 1)
		if err != nil || string(frozen.Definition) != string(v1.Definition) {
			t.Fatalf("version 1 after the edit = %s, %v; want %s", frozen.Definition, err, v1.Definition)
		}
		if n := f.versionCount(t, w.ID); n != 1 {
			t.Fatalf("%d versions after an edit, want 1", n)
		}
	})
}

func TestDeleteWorkflow_TakesItsVersionsAlong(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Short-lived")
		f.activate(t, w.ID, activation("a"))
		f.activate(t, w.ID, activation("b"))
		if err := f.store.DeleteWorkflow(f.ctx, f.ws.ID, w.ID); !isTransition(err, models.ActionDelete, models.WorkflowActive) {
			t.Fatalf("delete while active: err = %v, want a TransitionError", err)
		}
		if _, err := f.store.Stop(f.ctx, f.ws.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.store.DeleteWorkflow(f.ctx, f.ws.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.GetWorkflow(f.ctx, f.ws.ID, w.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("get after delete: err = %v, want ErrNotFound", err)
		}
		if n := f.versionCount(t, w.ID); n != 0 {
			t.Fatalf("%d versions outlived their workflow", n)
		}
		if err := f.store.DeleteWorkflow(f.ctx, f.ws.ID, w.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("second delete: err = %v, want ErrNotFound", err)
		}
	})
}

func TestWorkflow_LineAccountOfAnotherWorkspaceIsNeverStored(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		mine, err := f.store.CreateLineAccount(f.ctx, f.ws.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		otherWS, _ := testenv.Workspace(t, f.store, "other")
		theirs, err := f.store.CreateLineAccount(f.ctx, otherWS.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}

		in := draft("Routed")
		in.LineAccountID = &theirs.ID
		w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, in, "", 0)
		if err != nil {
			t.Fatalf("a draft naming a foreign account (drafts may be invalid): %v", err)
		}
		if w.LineAccountID != nil {
			t.Errorf("draft routed to another workspace's account %s", *w.LineAccountID)
		}
		a := activation("foreign")
		a.LineAccountID = &theirs.ID
		if _, _, err := f.store.Activate(f.ctx, f.ws.ID, w.ID, a); !errors.Is(err, models.ErrUnknownLineAccount) {
			t.Fatalf("activate with another workspace's account: err = %v, want ErrUnknownLineAccount", err)
		}
		a.LineAccountID = &mine.ID
		activated, _ := f.activate(t, w.ID, a)
		if activated.LineAccountID == nil || *activated.LineAccountID != mine.ID {
			t.Fatalf("line account = %v, want %s", activated.LineAccountID, mine.ID)
		}
	})
}

func TestWorkflow_AnotherWorkspaceGetsNotFoundEverywhere(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Private")
		f.activate(t, w.ID, activation("private"))
		other, _ := testenv.Workspace(t, f.store, "other")
		ctx, ws, id := f.ctx, other.ID, w.ID

		calls := map[string]func() error{
			"GetWorkflow": func() error { _, err := f.store.GetWorkflow(ctx, ws, id); return err },
			"UpdateDraft": func() error { _, err := f.store.UpdateDraft(ctx, ws, id, draft("Stolen")); return err },
			"DeleteWorkflow": func() error {
				return f.store.DeleteWorkflow(ctx, ws, id)
			},
			"Activate": func() error { _, _, err := f.store.Activate(ctx, ws, id, activation("x")); return err },
			"Pause":    func() error { _, err := f.store.Pause(ctx, ws, id); return err },
			"Stop":     func() error { _, err := f.store.Stop(ctx, ws, id); return err },
			"Archive":  func() error { _, err := f.store.Archive(ctx, ws, id); return err },
			"Clone":    func() error { _, err := f.store.Clone(ctx, ws, id, "", 0, renameDraft); return err },
			"GetVersion": func() error {
				_, err := f.store.GetVersion(ctx, ws, id, 1)
				return err
			},
			"ListVersions": func() error { _, _, err := f.store.ListVersions(ctx, ws, id, models.Page{}); return err },
			"CreateWorkflow in a workspace that does not exist": func() error {
				_, err := f.store.CreateWorkflow(ctx, models.NewID(), draft("Nowhere"), "", 0)
				return err
			},
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}

		if rows, _, err := f.store.ListWorkflows(ctx, ws, models.WorkflowFilter{}, models.Page{}); err != nil || len(rows) != 0 {
			t.Errorf("ListWorkflows = %v, %v; want none", rows, err)
		}
		if edges, err := f.store.ActiveStartEdges(ctx, ws); err != nil || len(edges) != 0 {
			t.Errorf("ActiveStartEdges = %v, %v; want none", edges, err)
		}
		if name, err := f.store.UniqueWorkflowName(ctx, ws, "Private"); err != nil || name != "Private" {
			t.Errorf("UniqueWorkflowName = %q, %v; another workspace's names must not count", name, err)
		}
		got, err := f.store.GetWorkflow(ctx, f.ws.ID, id)
		if err != nil || got.Status != models.WorkflowActive || got.Name != "Private" || got.ActiveVersion != 1 {
			t.Fatalf("the owner's workflow changed: %+v, %v", got, err)
		}
	})
}
