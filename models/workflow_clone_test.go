package models_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestClone_CopiesTheDraftUnderAFreeCloneName(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		source := f.create(t, "X")
		f.activate(t, source.ID, activation("x1"))
		// The draft moved on after the activation: the clone copies the draft.
		edit := draft("X")
		edit.Document = []byte(`{"name": "X", "description": "edited", "trigger": {"type": "blocked"}, "nodes": []}`)
		edit.TriggerType = "blocked"
		if _, err := f.store.UpdateDraft(f.ctx, f.ws.ID, source.ID, edit); err != nil {
			t.Fatal(err)
		}

		clone, err := f.store.Clone(f.ctx, f.ws.ID, source.ID, "cloner@example.com", 0, renameDraft)
		if err != nil {
			t.Fatal(err)
		}
		if clone.ID == source.ID || clone.Name != "X (clone)" || clone.Status != models.WorkflowDraft ||
			clone.CreatedBy != "cloner@example.com" || clone.ActiveVersion != 0 || clone.ActiveVersionID != nil {
			t.Fatalf("clone = %+v", clone)
		}
		if clone.Description != "edited" || clone.TriggerType != "blocked" {
			t.Errorf("clone metadata = %q, %q; want the draft's", clone.Description, clone.TriggerType)
		}
		var doc map[string]any
		if err := json.Unmarshal(clone.Draft, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["name"] != "X (clone)" || doc["description"] != "edited" {
			t.Errorf("clone's document = %s; want the draft named X (clone)", clone.Draft)
		}
		if n := f.versionCount(t, clone.ID); n != 0 {
			t.Errorf("the clone has %d versions", n)
		}

		var names []string
		for i := 0; i < 2; i++ {
			again, err := f.store.Clone(f.ctx, f.ws.ID, source.ID, "", 0, renameDraft)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, again.Name)
		}
		if names[0] != "X (clone 2)" || names[1] != "X (clone 3)" {
			t.Fatalf("later clones = %v, want X (clone 2), X (clone 3)", names)
		}
		ofClone, err := f.store.Clone(f.ctx, f.ws.ID, clone.ID, "", 0, renameDraft)
		if err != nil || ofClone.Name != "X (clone) (clone)" {
			t.Fatalf("clone of the clone = %q, %v", ofClone.Name, err)
		}
	})
}

func TestClone_WorksOnArchivedWorkflowsAndReportsRenameFailures(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		archived := f.inStatus(t, "Old", models.WorkflowArchived)
		clone, err := f.store.Clone(f.ctx, f.ws.ID, archived.ID, "", 0, renameDraft)
		if err != nil || clone.Name != "Old (clone)" || clone.Status != models.WorkflowDraft {
			t.Fatalf("clone of an archived workflow = %+v, %v", clone, err)
		}

		broken := errors.New("cannot rename")
		_, err = f.store.Clone(f.ctx, f.ws.ID, archived.ID, "", 0, func([]byte, string) (models.WorkflowInput, error) {
			return models.WorkflowInput{}, broken
		})
		if !errors.Is(err, broken) {
			t.Fatalf("err = %v, want the renamer's error", err)
		}
		if rows, _, _ := f.store.ListWorkflows(f.ctx, f.ws.ID, models.WorkflowFilter{}, models.Page{}); len(rows) != 2 {
			t.Fatalf("%d workflows after a failed clone, want 2", len(rows))
		}
	})
}

func TestUniqueWorkflowName_NumbersCollisionsFromTwo(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		unique := func(name string) string {
			t.Helper()
			got, err := f.store.UniqueWorkflowName(f.ctx, f.ws.ID, name)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := unique("X"); got != "X" {
			t.Fatalf("free name = %q, want X", got)
		}
		f.create(t, "X")
		if got := unique("X"); got != "X (2)" {
			t.Fatalf("after X = %q, want X (2)", got)
		}
		f.create(t, "X (2)")
		if got := unique("X"); got != "X (3)" {
			t.Fatalf("after X (2) = %q, want X (3)", got)
		}
		if got := unique("x"); got != "x" {
			t.Fatalf("x = %q: names compare case-sensitively", got)
		}
		f.inStatus(t, "Y", models.WorkflowArchived)
		if got := unique("Y"); got != "Y" {
			t.Fatalf("Y = %q: an archived workflow's name is free", got)
		}
	})
}
