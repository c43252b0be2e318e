package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// workflowJSON is a workflow as the API shows it. Definition and Problems are only in
// responses about one workflow; lists leave them out.
type workflowJSON struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	Description     string     `json:"description"`
	LineAccountID   *string    `json:"lineAccountId"`
	TriggerType     string     `json:"triggerType"`
	Status          string     `json:"status"`
	Version         *int       `json:"version"`
	CreatedBy       string     `json:"createdBy"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	LastPublishedBy *string    `json:"lastPublishedBy"`
	LastPublishedAt *time.Time `json:"lastPublishedAt"`
	ArchivedAt      *time.Time `json:"archivedAt,omitempty"`
	// Definition is the draft as last saved.
	Definition json.RawMessage `json:"definition,omitempty"`
	// Problems is what activating the draft now would refuse; empty when it would pass.
	Problems *definition.Problems `json:"problems,omitempty"`
}

func toWorkflowJSON(w models.Workflow) workflowJSON {
	out := workflowJSON{
		ID:            w.ID,
		Name:          w.Name,
		Description:   w.Description,
		LineAccountID: w.LineAccountID,
		TriggerType:   w.TriggerType,
		Status:        string(w.Status),
		CreatedBy:     w.CreatedBy,
		CreatedAt:     w.CreatedAt.UTC(),
		UpdatedAt:     w.UpdatedAt.UTC(),
		ArchivedAt:    utcOrNil(w.ArchivedAt),
	}
	if w.ActiveVersion > 0 {
		version := w.ActiveVersion
		out.Version = &version
		by := w.LastPublishedBy
		out.LastPublishedBy = &by
		out.LastPublishedAt = utcOrNil(w.LastPublishedAt)
	}
	return out
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	utc := t.UTC()
	return &utc
}

// workflowDetail is one workflow with its draft and the problems activation would find.
func (s *server) workflowDetail(ctx context.Context, w models.Workflow) (workflowJSON, error) {
	problems := definition.Problems{}
	if d, parsed := definition.Parse(w.Draft, s.limits()); d != nil {
		found, err := s.activationProblems(ctx, w.WorkspaceID, w.ID, d, parsed)
		if err != nil {
			return workflowJSON{}, err
		}
		problems = append(problems, found...)
	} else {
		problems = append(problems, parsed...)
	}
	return detailJSON(w, problems), nil
}

// detailJSON is one workflow with its draft and problems already found.
func detailJSON(w models.Workflow, problems definition.Problems) workflowJSON {
	out := toWorkflowJSON(w)
	out.Definition = json.RawMessage(w.Draft)
	if problems == nil {
		problems = definition.Problems{}
	}
	out.Problems = &problems
	return out
}

func readAll(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge(tooBig.Limit)
		}
		return nil, malformedJSON("could not read the request body")
	}
	return body, nil
}

func (s *server) createWorkflow(c echo.Context) error {
	doc, err := readAll(c)
	if err != nil {
		return err
	}
	d, _, err := s.parseDraft(doc, "")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := s.store.CreateWorkflow(ctx, workspaceID(c), draftInput(d, doc), actor(c), s.cfg.MaxWorkflows)
	if err != nil {
		return workflowError(err)
	}
	return s.respondDetail(c, http.StatusCreated, w)
}

func (s *server) respondDetail(c echo.Context, status int, w models.Workflow) error {
	out, err := s.workflowDetail(c.Request().Context(), w)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

func (s *server) updateWorkflow(c echo.Context) error {
	doc, err := readAll(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// An unknown or foreign workflow is a 404 before anything about the body.
	if _, err := s.store.GetWorkflow(ctx, workspaceID(c), c.Param("id")); err != nil {
		return workflowError(err)
	}
	d, _, err := s.parseDraft(doc, "")
	if err != nil {
		return err
	}
	w, err := s.store.UpdateDraft(ctx, workspaceID(c), c.Param("id"), draftInput(d, doc))
	if err != nil {
		return workflowError(err)
	}
	return s.respondDetail(c, http.StatusOK, w)
}

func (s *server) getWorkflow(c echo.Context) error {
	w, err := s.store.GetWorkflow(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	return s.respondDetail(c, http.StatusOK, w)
}

func (s *server) listWorkflows(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	filter := models.WorkflowFilter{Status: models.WorkflowStatus(c.QueryParam("status"))}
	rows, next, err := s.store.ListWorkflows(c.Request().Context(), workspaceID(c), filter, page)
	if err != nil {
		return workflowError(err)
	}
	items := make([]workflowJSON, 0, len(rows))
	for _, w := range rows {
		items = append(items, toWorkflowJSON(w))
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) deleteWorkflow(c echo.Context) error {
	if err := s.store.DeleteWorkflow(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return workflowError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// activateWorkflow validates the draft as a whole (the definition, the workspace's
// objects it names, loops across workflows) and freezes it as a new version.
func (s *server) activateWorkflow(c echo.Context) error {
	ctx := c.Request().Context()
	ws, id := workspaceID(c), c.Param("id")
	w, err := s.store.GetWorkflow(ctx, ws, id)
	if err != nil {
		return workflowError(err)
	}
	if !w.Status.Allows(models.ActionActivate) {
		return workflowError(&models.TransitionError{Action: models.ActionActivate, Status: w.Status})
	}
	d, frozen, err := s.frozenDraft(ctx, w)
	if err != nil {
		return err
	}
	activation := models.Activation{
		Document:        frozen,
		TriggerType:     d.Trigger.Type,
		StartsWorkflows: d.StartsWorkflows(),
		Actor:           actor(c),
	}
	if d.LineAccountID != "" {
		activation.LineAccountID = &d.LineAccountID
	}
	w, _, err = s.store.Activate(ctx, ws, id, activation)
	if err != nil {
		return workflowError(err)
	}
	// The draft just passed every check: no need to run them again for the answer.
	return c.JSON(http.StatusOK, detailJSON(w, nil))
}

// frozenDraft checks a workflow's draft as activation does (422 with every problem) and
// returns it parsed and as the document a version freezes, with the tags it adds made.
func (s *server) frozenDraft(ctx context.Context, w models.Workflow) (*definition.Definition, []byte, error) {
	d, parsed := definition.Parse(w.Draft, s.limits())
	if d == nil {
		return nil, nil, activationRefused(parsed)
	}
	problems, err := s.activationProblems(ctx, w.WorkspaceID, w.ID, d, parsed)
	if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		return nil, nil, activationRefused(problems)
	}
	frozen, err := definition.Marshal(d)
	if err != nil {
		return nil, nil, fmt.Errorf("freeze definition: %w", err)
	}
	if err := s.store.EnsureTags(ctx, w.WorkspaceID, addedTags(d)); err != nil {
		return nil, nil, err
	}
	return d, frozen, nil
}

func activationRefused(problems definition.Problems) error {
	e := validationFailed(problems.Fields())
	noun := "problems"
	if len(problems) == 1 {
		noun = "problem"
	}
	e.Message = fmt.Sprintf("the workflow cannot be activated: %d %s; see fields", len(problems), noun)
	return e
}

func (s *server) pauseWorkflow(c echo.Context) error {
	return s.transition(c, s.store.Pause)
}

func (s *server) archiveWorkflow(c echo.Context) error {
	return s.transition(c, s.store.Archive)
}

// stopWorkflow takes no new enrollments and ejects every friend enrolled. Stopping a
// stopped workflow asks for the ejection again: that is how a stop whose ejection failed
// (a 503, the workflow stopped all the same) is retried.
func (s *server) stopWorkflow(c echo.Context) error {
	return s.transition(c, func(ctx context.Context, ws, id string) (models.Workflow, error) {
		w, err := s.store.Stop(ctx, ws, id)
		if err != nil || s.engine == nil {
			return w, err
		}
		if err := s.engine.EjectWorkflow(ctx, ws, id); err != nil {
			// A 503 whatever the engine said (an ErrNotFound in its chain must not make it
			// a 404: the workflow is there, stopped); what it said goes to the log.
			return w, &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
				Message: "the workflow is stopped, but its runs could not be ejected: the workflow engine (Temporal) cannot be reached; stop it again to retry",
				Cause:   fmt.Errorf("eject the runs of workflow %s: %w", id, err)}
		}
		return w, nil
	})
}

func (s *server) transition(c echo.Context, change func(ctx context.Context, workspaceID, id string) (models.Workflow, error)) error {
	w, err := change(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	return c.JSON(http.StatusOK, toWorkflowJSON(w))
}

// workflowError maps the Store's workflow errors to API errors.
func workflowError(err error) error {
	var transition *models.TransitionError
	var limit *models.LimitError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return notFound("workflow not found")
	case errors.As(err, &transition):
		return conflict(transition.Error(), map[string]string{"status": string(transition.Status)})
	case errors.As(err, &limit):
		return conflict(limit.Error(), map[string]string{"workflows": fmt.Sprintf("limit of %d reached", limit.Limit)})
	case errors.Is(err, models.ErrBadStatus):
		return validationFailed(map[string]string{"status": "must be one of draft, active, paused, stopped, archived"})
	case errors.Is(err, models.ErrUnknownLineAccount):
		return validationFailed(map[string]string{"lineAccountId": "names no LINE account of the workspace"})
	}
	return err
}
