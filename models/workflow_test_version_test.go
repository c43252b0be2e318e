package models_test

import (
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestTestVersion_NumbersBelowZeroAndStaysOutOfTheWorkflowsVersions(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Tested")
		test := func(doc string) models.WorkflowVersion {
			t.Helper()
			v, err := f.store.TestVersion(f.ctx, f.ws.ID, w.ID, []byte(doc), "tester")
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		first, second, again := test(`{"a": 1}`), test(`{"a": 2}`), test(`{"a": 1}`)
		if first.Version != -1 || second.Version != -2 || again.ID != first.ID {
			t.Fatalf("test versions %d, %d, and again %d (%s vs %s)", first.Version, second.Version, again.Version, again.ID, first.ID)
		}
		w, v := f.activate(t, w.ID, activation("real"))
		if v.Version != 1 || w.ActiveVersion != 1 {
			t.Fatalf("activation after tests made version %d", v.Version)
		}
		versions, _, err := f.store.ListVersions(f.ctx, f.ws.ID, w.ID, models.Page{})
		if err != nil || len(versions) != 1 || versions[0].Version != 1 {
			t.Fatalf("versions %+v, %v", versions, err)
		}
		got, err := f.store.GetVersionByID(f.ctx, f.ws.ID, second.ID)
		if err != nil || string(got.Definition) != `{"a": 2}` {
			t.Fatalf("GetVersionByID = %+v, %v", got, err)
		}
		other, _ := testenv.Workspace(t, f.store, "other")
		if _, err := f.store.TestVersion(f.ctx, other.ID, w.ID, []byte(`{}`), "x"); err == nil {
			t.Fatal("another workspace froze a test version of this workflow")
		}
		if _, err := f.store.TestVersion(f.ctx, f.ws.ID, w.ID, []byte(`not json`), "x"); err == nil {
			t.Fatal("a document that is not JSON was frozen")
		}
	})
}
