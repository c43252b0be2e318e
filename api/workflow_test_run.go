package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// testWorkflow runs the workflow's draft for one named friend without activating it:
// POST /v1/workflows/{id}/test {friendId | lineUserId, vars}. The draft must pass every
// check activation makes (422 with the problems otherwise); it is frozen as a test
// version, and the run is marked as a test in its history and left out of the stats.
// The workflow's status and versions do not change.
func (s *server) testWorkflow(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	w, err := s.store.GetWorkflow(ctx, ws, c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	if w.Status == models.WorkflowArchived {
		return workflowError(&models.TransitionError{Action: models.ActionActivate, Status: w.Status})
	}
	body, err := readAll(c)
	if err != nil {
		return err
	}
	in, err := decodeEnrollment(s.validate, body)
	if err != nil {
		return err
	}
	if s.engine == nil {
		return engineMissing()
	}
	_, frozen, err := s.frozenDraft(ctx, w)
	if err != nil {
		return err
	}
	version, err := s.store.TestVersion(ctx, ws, w.ID, frozen, actor(c))
	if err != nil {
		return err
	}
	e, err := s.engine.Enroll(ctx, models.Enrollment{
		WorkspaceID: ws,
		WorkflowID:  w.ID,
		FriendID:    in.FriendID,
		LineUserID:  in.LineUserID,
		Vars:        in.Vars,
		Trigger:     map[string]string{"type": "test"},
		Actor:       actor(c),
		Test:        true,
		VersionID:   version.ID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toExecutionJSON(e, w.Name))
}
