package models_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestListExecutions_FiltersByStatusAndPagesNewestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		// Oldest first; a test run is listed like any other.
		statuses := []models.ExecutionStatus{
			models.ExecutionRunning, models.ExecutionCompleted, models.ExecutionEjected,
			models.ExecutionCompleted, models.ExecutionFailed,
		}
		var ids []string
		for i, status := range statuses {
			e := f.execution(t, i == 4)
			if status != models.ExecutionRunning {
				if err := f.store.UpdateExecution(f.ctx, f.ws.ID, e.ID, models.ExecutionChange{Status: status}); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, e.ID)
		}

		cases := []struct {
			name   string
			filter models.ExecutionFilter
			limit  int
			want   [][]string
		}{
			{"all, one page", models.ExecutionFilter{}, 0, [][]string{{ids[4], ids[3], ids[2], ids[1], ids[0]}}},
			{"all, by two", models.ExecutionFilter{}, 2, [][]string{{ids[4], ids[3]}, {ids[2], ids[1]}, {ids[0]}}},
			{"completed", models.ExecutionFilter{Status: models.ExecutionCompleted}, 1, [][]string{{ids[3]}, {ids[1]}}},
			{"running", models.ExecutionFilter{Status: models.ExecutionRunning}, 0, [][]string{{ids[0]}}},
			{"ejected", models.ExecutionFilter{Status: models.ExecutionEjected}, 0, [][]string{{ids[2]}}},
			{"failed, the test run", models.ExecutionFilter{Status: models.ExecutionFailed}, 0, [][]string{{ids[4]}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var pages [][]string
				page := models.Page{Limit: c.limit}
				for range 10 {
					rows, next, err := f.store.ListExecutions(f.ctx, f.ws.ID, f.workflow.ID, c.filter, page)
					if err != nil {
						t.Fatal(err)
					}
					got := []string{}
					for _, e := range rows {
						if e.WorkspaceID != f.ws.ID || e.WorkflowID != f.workflow.ID {
							t.Errorf("row %+v", e)
						}
						got = append(got, e.ID)
					}
					pages = append(pages, got)
					if next == "" {
						break
					}
					page.Cursor = next
				}
				if !reflect.DeepEqual(pages, c.want) {
					t.Errorf("pages %v, want %v", pages, c.want)
				}
			})
		}
	})
}

func TestListExecutions_Refusals(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newExecutionFixture(t, db)
		f.execution(t, false)
		cases := []struct {
			name        string
			workspaceID string
			filter      models.ExecutionFilter
			page        models.Page
			check       func(error) bool
		}{
			{"another workspace's workflow", f.other.ID, models.ExecutionFilter{}, models.Page{}, func(err error) bool { return errors.Is(err, models.ErrNotFound) }},
			{"an unknown status", f.ws.ID, models.ExecutionFilter{Status: "paused"}, models.Page{}, func(err error) bool {
				var fe *models.FieldError
				return errors.As(err, &fe) && fe.Field == "status"
			}},
			{"a limit over the maximum", f.ws.ID, models.ExecutionFilter{}, models.Page{Limit: models.MaxPageLimit + 1}, func(err error) bool { return errors.Is(err, models.ErrBadLimit) }},
			{"a cursor not handed out", f.ws.ID, models.ExecutionFilter{}, models.Page{Cursor: "!!"}, func(err error) bool { return errors.Is(err, models.ErrBadCursor) }},
		}
		for _, c := range cases {
			rows, _, err := f.store.ListExecutions(f.ctx, c.workspaceID, f.workflow.ID, c.filter, c.page)
			if !c.check(err) || rows != nil {
				t.Errorf("%s: rows %v, err %v", c.name, rows, err)
			}
		}
	})
}
