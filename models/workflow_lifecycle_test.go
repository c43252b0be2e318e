package models_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func isTransition(err error, action models.WorkflowAction, status models.WorkflowStatus) bool {
	var te *models.TransitionError
	return errors.As(err, &te) && te.Action == action && te.Status == status && errors.Is(err, models.ErrConflict)
}

func TestWorkflowLifecycle_EveryActionInEveryStatus(t *testing.T) {
	const refused, deleted = models.WorkflowStatus("(refused)"), models.WorkflowStatus("(deleted)")
	statuses := []models.WorkflowStatus{
		models.WorkflowDraft, models.WorkflowActive, models.WorkflowPaused,
		models.WorkflowStopped, models.WorkflowArchived,
	}
	actions := []models.WorkflowAction{
		models.ActionActivate, models.ActionPause, models.ActionStop,
		models.ActionArchive, models.ActionEdit, models.ActionDelete,
	}
	// Written out on its own (not from Allows): where each allowed action leads. Every
	// pair not listed is refused.
	allowed := map[models.WorkflowStatus]map[models.WorkflowAction]models.WorkflowStatus{
		models.WorkflowDraft: {
			models.ActionActivate: models.WorkflowActive,
			models.ActionArchive:  models.WorkflowArchived,
			models.ActionEdit:     models.WorkflowDraft,
			models.ActionDelete:   deleted,
		},
		models.WorkflowActive: {
			models.ActionActivate: models.WorkflowActive,
			models.ActionPause:    models.WorkflowPaused,
			models.ActionStop:     models.WorkflowStopped,
			models.ActionEdit:     models.WorkflowActive,
		},
		models.WorkflowPaused: {
			models.ActionActivate: models.WorkflowActive,
			models.ActionStop:     models.WorkflowStopped,
			models.ActionEdit:     models.WorkflowPaused,
		},
		models.WorkflowStopped: {
			models.ActionActivate: models.WorkflowActive,
			models.ActionStop:     models.WorkflowStopped, // again, to retry the ejection
			models.ActionArchive:  models.WorkflowArchived,
			models.ActionEdit:     models.WorkflowStopped,
			models.ActionDelete:   deleted,
		},
		models.WorkflowArchived: {
			models.ActionDelete: deleted,
		},
	}

	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		do := func(action models.WorkflowAction, id, name string) error {
			var err error
			switch action {
			case models.ActionActivate:
				_, _, err = f.store.Activate(f.ctx, f.ws.ID, id, activation(name+" again"))
			case models.ActionPause:
				_, err = f.store.Pause(f.ctx, f.ws.ID, id)
			case models.ActionStop:
				_, err = f.store.Stop(f.ctx, f.ws.ID, id)
			case models.ActionArchive:
				_, err = f.store.Archive(f.ctx, f.ws.ID, id)
			case models.ActionEdit:
				_, err = f.store.UpdateDraft(f.ctx, f.ws.ID, id, draft(name))
			case models.ActionDelete:
				err = f.store.DeleteWorkflow(f.ctx, f.ws.ID, id)
			}
			return err
		}
		for _, from := range statuses {
			for _, action := range actions {
				want, ok := allowed[from][action]
				if !ok {
					want = refused
				}
				t.Run(fmt.Sprintf("%s %s workflow", action, from), func(t *testing.T) {
					name := fmt.Sprintf("%s from %s", action, from)
					before := f.inStatus(t, name, from)
					versions := f.versionCount(t, before.ID)
					if got := from.Allows(action); got != (want != refused) {
						t.Errorf("%s.Allows(%s) = %v", from, action, got)
					}

					err := do(action, before.ID, name)

					after, getErr := f.store.GetWorkflow(f.ctx, f.ws.ID, before.ID)
					switch want {
					case refused:
						if !isTransition(err, action, from) {
							t.Fatalf("err = %v, want a TransitionError{%s, %s}", err, action, from)
						}
						if msg := fmt.Sprintf("cannot %s a workflow that is %s", action, from); err.Error() != msg {
							t.Errorf("message %q, want %q", err, msg)
						}
						if getErr != nil || !reflect.DeepEqual(after, before) {
							t.Errorf("a refused %s changed the workflow:\nbefore %+v\nafter  %+v (%v)", action, before, after, getErr)
						}
						if n := f.versionCount(t, before.ID); n != versions {
							t.Errorf("a refused %s changed the versions from %d to %d", action, versions, n)
						}
					case deleted:
						if err != nil {
							t.Fatal(err)
						}
						if !errors.Is(getErr, models.ErrNotFound) {
							t.Errorf("after delete: err = %v, want ErrNotFound", getErr)
						}
					default:
						if err != nil {
							t.Fatal(err)
						}
						if getErr != nil || after.Status != want {
							t.Errorf("status = %s (%v), want %s", after.Status, getErr, want)
						}
					}
				})
			}
		}
	})
}

func TestActivate_FreezesANewVersionOnlyWhenTheDefinitionChanges(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Welcome")
		// Frozen documents come back byte for byte, whatever their spacing or key order.
		doc1 := []byte(`{"name":"Welcome", "start":"a","nodes":[ {"type":"tag","id":"a"} ] , "trigger":{"type":"friend_added"}}`)
		first := models.Activation{Document: doc1, Hash: "h1", TriggerType: "friend_added", Actor: "ann"}

		w1, v1 := f.activate(t, w.ID, first)
		if v1.Version != 1 || v1.Hash != "h1" || v1.PublishedBy != "ann" || v1.PublishedAt.IsZero() {
			t.Fatalf("first version = %+v", v1)
		}
		if w1.Status != models.WorkflowActive || w1.ActiveVersion != 1 || *w1.ActiveVersionID != v1.ID ||
			w1.LastPublishedBy != "ann" || w1.LastPublishedAt == nil || !w1.LastPublishedAt.Equal(v1.PublishedAt) {
			t.Fatalf("workflow after the first activation = %+v", w1)
		}

		if _, err := f.store.UpdateDraft(f.ctx, f.ws.ID, w.ID, draft("Welcome")); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.store.GetWorkflow(f.ctx, f.ws.ID, w.ID); got.ActiveVersion != 1 {
			t.Fatalf("an edit moved the active version to %d", got.ActiveVersion)
		}

		doc2 := []byte(`{"name":"Welcome","start":"b","nodes":[{"id":"b","type":"delay","duration":"24h"}],"trigger":{"type":"message_received"}}`)
		second := models.Activation{Document: doc2, Hash: "h2", TriggerType: "message_received", Actor: "bo"}
		w2, v2 := f.activate(t, w.ID, second)
		if v2.Version != 2 || v2.Hash != "h2" || string(v2.Definition) != string(doc2) {
			t.Fatalf("second version = %+v", v2)
		}
		if w2.ActiveVersion != 2 || *w2.ActiveVersionID != v2.ID || w2.TriggerType != "message_received" || w2.LastPublishedBy != "bo" {
			t.Fatalf("workflow after the second activation = %+v", w2)
		}

		w3, v3 := f.activate(t, w.ID, second)
		if v3.ID != v2.ID || v3.Version != 2 || !reflect.DeepEqual(w3, w2) {
			t.Fatalf("activating the same definition again changed something: %+v, %+v", w3, v3)
		}

		// Resuming a paused workflow with the definition it runs adds no version either.
		if _, err := f.store.Pause(f.ctx, f.ws.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		resumed, v4 := f.activate(t, w.ID, second)
		if resumed.Status != models.WorkflowActive || v4.ID != v2.ID || resumed.ActiveVersion != 2 {
			t.Fatalf("resume = %+v, version %d", resumed, v4.Version)
		}

		list, next, err := f.store.ListVersions(f.ctx, f.ws.ID, w.ID, models.Page{})
		if err != nil || next != "" || len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 {
			t.Fatalf("versions = %+v, %q, %v; want 2 then 1", list, next, err)
		}
		if list[0].Definition != nil {
			t.Error("listed versions carry their definitions")
		}
		got1, err := f.store.GetVersion(f.ctx, f.ws.ID, w.ID, 1)
		if err != nil || string(got1.Definition) != string(doc1) || got1.Hash != "h1" {
			t.Fatalf("version 1 = %s (%v), want %s byte for byte", got1.Definition, err, doc1)
		}
		if _, err := f.store.GetVersion(f.ctx, f.ws.ID, w.ID, 3); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("version 3: err = %v, want ErrNotFound", err)
		}
	})
}

func TestActivate_WithoutAHashUsesTheDocumentsSHA256(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Hashed")
		doc := []byte(`{"name":"Hashed"}`)
		_, v := f.activate(t, w.ID, models.Activation{Document: doc})
		sum := sha256.Sum256(doc)
		if v.Hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("hash = %q, want the SHA-256 of the document", v.Hash)
		}
		if _, again := f.activate(t, w.ID, models.Activation{Document: doc}); again.ID != v.ID {
			t.Fatalf("the same document made version %d", again.Version)
		}
	})
}

func TestActivate_ConcurrentActivationsGetConsecutiveVersions(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.create(t, "Popular")
		const n = 8
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			numbers  []int
			failures []error
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, v, err := f.store.Activate(f.ctx, f.ws.ID, w.ID, activation(fmt.Sprintf("racer %d", i)))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures = append(failures, err)
					return
				}
				numbers = append(numbers, v.Version)
			}()
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("activations failed: %v", failures)
		}
		sort.Ints(numbers)
		if fmt.Sprint(numbers) != "[1 2 3 4 5 6 7 8]" {
			t.Fatalf("version numbers = %v, want 1 to 8 once each", numbers)
		}
		got, err := f.store.GetWorkflow(f.ctx, f.ws.ID, w.ID)
		if err != nil || got.ActiveVersion != n {
			t.Fatalf("active version = %d (%v), want the last one, %d", got.ActiveVersion, err, n)
		}
	})
}

func TestStopAndArchive_RecordWhatTheyDid(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		w := f.inStatus(t, "Finished", models.WorkflowActive)
		stopped, err := f.store.Stop(f.ctx, f.ws.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stopped.ID != w.ID || stopped.Status != models.WorkflowStopped || stopped.ActiveVersion != 1 {
			t.Fatalf("Stop returned %+v, want the stopped workflow with its version", stopped)
		}
		// Stopping again (to retry the ejection) changes nothing, not even updatedAt.
		again, err := f.store.Stop(f.ctx, f.ws.ID, w.ID)
		if err != nil || !reflect.DeepEqual(again, stopped) {
			t.Fatalf("Stop again = %+v, %v; want %+v unchanged", again, err, stopped)
		}
		archived, err := f.store.Archive(f.ctx, f.ws.ID, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if archived.Status != models.WorkflowArchived || archived.ArchivedAt == nil || archived.ArchivedAt.Before(stopped.UpdatedAt) {
			t.Fatalf("archived = %+v", archived)
		}
	})
}

func TestActiveStartEdges_CoverActiveAndPausedWorkflowsOnly(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newWorkflowFixture(t, db)
		a, b, c := f.create(t, "A"), f.create(t, "B"), f.create(t, "C")
		f.activate(t, a.ID, activation("a1", b.ID))
		f.activate(t, b.ID, activation("b1"))
		f.activate(t, c.ID, activation("c1", a.ID, b.ID))
		if _, err := f.store.Pause(f.ctx, f.ws.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		f.create(t, "D, a draft") // never activated
		stopped := f.inStatus(t, "E, stopped", models.WorkflowStopped)
		f.activate(t, stopped.ID, activation("e", a.ID))
		if _, err := f.store.Stop(f.ctx, f.ws.ID, stopped.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Archive(f.ctx, f.ws.ID, stopped.ID); err != nil {
			t.Fatal(err)
		}
		f.inStatus(t, "F, stopped", models.WorkflowStopped)

		edges, err := f.store.ActiveStartEdges(f.ctx, f.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{a.ID: {b.ID}, b.ID: {}, c.ID: {a.ID, b.ID}}
		if !reflect.DeepEqual(edges, want) {
			t.Fatalf("edges = %v, want %v", edges, want)
		}

		// A new activation replaces the workflow's edges; editing the draft does not.
		f.activate(t, a.ID, activation("a2", c.ID))
		if _, err := f.store.UpdateDraft(f.ctx, f.ws.ID, b.ID, draft("B")); err != nil {
			t.Fatal(err)
		}
		edges, err = f.store.ActiveStartEdges(f.ctx, f.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[a.ID] = []string{c.ID}
		if !reflect.DeepEqual(edges, want) {
			t.Fatalf("edges after re-activating A = %v, want %v", edges, want)
		}
	})
}
