package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// canonical returns a definition document in its canonical form (definition.Marshal)
// when it parses without a problem, so that export and import round-trip byte for byte;
// a draft with problems is returned as it was saved, indented.
func (s *server) canonical(doc []byte) []byte {
	if d, problems := definition.Parse(doc, s.limits()); d != nil && len(problems) == 0 {
		if out, err := definition.Marshal(d); err == nil {
			return out
		}
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, doc, "", "  "); err != nil {
		return doc
	}
	indented.WriteByte('\n')
	return indented.Bytes()
}

// exportWorkflow writes the draft (or, with ?version=N, a frozen version) as a file that
// import takes back.
func (s *server) exportWorkflow(c echo.Context) error {
	ctx := c.Request().Context()
	w, err := s.store.GetWorkflow(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	doc := []byte(w.Draft)
	if raw := c.QueryParam("version"); raw != "" {
		number, err := strconv.Atoi(raw)
		if err != nil || number < 1 {
			return validationFailed(map[string]string{"version": "must be a version number (1, 2, …)"})
		}
		version, err := s.store.GetVersion(ctx, workspaceID(c), w.ID, number)
		if err != nil {
			return versionError(err)
		}
		doc = version.Definition
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.lumo.json"`, fileName(w.Name)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.canonical(doc))
}

var unsafeInFileName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(name string) string {
	safe := strings.Trim(unsafeInFileName.ReplaceAllString(strings.ToLower(name), "-"), "-.")
	if safe == "" {
		return "workflow"
	}
	return safe
}

// importResponse is the draft an import made and what it had to change.
type importResponse struct {
	Workflow workflowJSON `json:"workflow"`
	// RenamedFrom is the file's name when a workflow of that name existed.
	RenamedFrom string `json:"renamedFrom,omitempty"`
	// StrippedReferences are the file's references to objects this workspace lacks; each
	// was removed from the draft, to be chosen again before activation.
	StrippedReferences []definition.Reference `json:"strippedReferences"`
}

// importWorkflow makes a draft from an exported file: a file over the size limit or with
// any problem of its own is refused ("invalid workflow file: …"); references to objects
// this workspace lacks are removed and reported; a name in use gets " (2)", " (3)"….
func (s *server) importWorkflow(c echo.Context) error {
	doc, err := readAll(c)
	if err != nil {
		return err
	}
	const what = "invalid workflow file: "
	d, problems, err := s.parseDraft(doc, what)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		e := validationFailed(problems.Fields())
		e.Message = what + problems.Error()
		return e
	}
	ctx := c.Request().Context()
	ws := workspaceID(c)
	response := importResponse{StrippedReferences: []definition.Reference{}}
	missing, err := s.missingReferences(ctx, ws, d)
	if err != nil {
		return err
	}
	for _, ref := range missing {
		if ref.Kind == definition.RefTag {
			continue // tag names travel: activation creates them
		}
		d.Clear(ref)
		response.StrippedReferences = append(response.StrippedReferences, ref)
	}
	name, err := s.store.UniqueWorkflowName(ctx, ws, d.Name)
	if err != nil {
		return err
	}
	if name != d.Name {
		response.RenamedFrom, d.Name = d.Name, name
	}
	w, err := s.createFromDefinition(c, d)
	if err != nil {
		return err
	}
	if response.Workflow, err = s.workflowDetail(ctx, w); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, response)
}

// createFromDefinition saves d, in canonical form, as a new draft.
func (s *server) createFromDefinition(c echo.Context, d *definition.Definition) (models.Workflow, error) {
	doc, err := definition.Marshal(d)
	if err != nil {
		return models.Workflow{}, fmt.Errorf("marshal definition: %w", err)
	}
	w, err := s.store.CreateWorkflow(c.Request().Context(), workspaceID(c), draftInput(d, doc), actor(c), s.cfg.MaxWorkflows)
	if err != nil {
		return models.Workflow{}, workflowError(err)
	}
	return w, nil
}

// cloneWorkflow makes a draft "<name> (clone)" of a workflow's draft.
func (s *server) cloneWorkflow(c echo.Context) error {
	w, err := s.store.Clone(c.Request().Context(), workspaceID(c), c.Param("id"), actor(c), s.cfg.MaxWorkflows, s.renameDraft)
	if err != nil {
		return workflowError(err)
	}
	return s.respondDetail(c, http.StatusCreated, w)
}

// renameDraft is the Store's DraftRenamer: the document with its name changed.
func (s *server) renameDraft(doc []byte, name string) (models.WorkflowInput, error) {
	d, problems := definition.Parse(doc, s.limits())
	if d == nil {
		return models.WorkflowInput{}, fmt.Errorf("draft is not a JSON object: %w", problems.Err())
	}
	d.Name = name
	if len(problems) == 0 {
		renamed, err := definition.Marshal(d)
		if err != nil {
			return models.WorkflowInput{}, err
		}
		return draftInput(d, renamed), nil
	}
	// A draft with problems keeps everything it has, unknown fields included: only the
	// name changes.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return models.WorkflowInput{}, err
	}
	fields["name"], _ = json.Marshal(name)
	renamed, err := json.Marshal(fields)
	if err != nil {
		return models.WorkflowInput{}, err
	}
	return draftInput(d, renamed), nil
}

// versionJSON is a frozen version of a workflow.
type versionJSON struct {
	Version         int             `json:"version"`
	Hash            string          `json:"hash"`
	PublishedBy     string          `json:"publishedBy"`
	PublishedAt     time.Time       `json:"publishedAt"`
	StartsWorkflows []string        `json:"startsWorkflows"`
	Definition      json.RawMessage `json:"definition,omitempty"`
}

func toVersionJSON(v models.WorkflowVersion, withDefinition bool) versionJSON {
	out := versionJSON{
		Version:         v.Version,
		Hash:            v.Hash,
		PublishedBy:     v.PublishedBy,
		PublishedAt:     v.PublishedAt.UTC(),
		StartsWorkflows: v.StartsWorkflows,
	}
	if out.StartsWorkflows == nil {
		out.StartsWorkflows = []string{}
	}
	if withDefinition {
		out.Definition = json.RawMessage(v.Definition)
	}
	return out
}

func (s *server) listVersions(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, next, err := s.store.ListVersions(c.Request().Context(), workspaceID(c), c.Param("id"), page)
	if err != nil {
		return workflowError(err)
	}
	items := make([]versionJSON, 0, len(rows))
	for _, v := range rows {
		items = append(items, toVersionJSON(v, false))
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

// versionError names the version in a not-found: the workflow itself was found.
func versionError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("version not found")
	}
	return workflowError(err)
}

func (s *server) getVersion(c echo.Context) error {
	number, err := strconv.Atoi(c.Param("version"))
	if err != nil || number < 1 {
		return notFound("version not found")
	}
	ctx := c.Request().Context()
	if _, err := s.store.GetWorkflow(ctx, workspaceID(c), c.Param("id")); err != nil {
		return workflowError(err)
	}
	v, err := s.store.GetVersion(ctx, workspaceID(c), c.Param("id"), number)
	if err != nil {
		return versionError(err)
	}
	return c.JSON(http.StatusOK, toVersionJSON(v, true))
}

// templateJSON is a starting point for a workflow.
type templateJSON struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Definition  json.RawMessage `json:"definition"`
}

func (s *server) listTemplates(c echo.Context) error {
	templates := definition.Templates()
	items := make([]templateJSON, 0, len(templates))
	for _, t := range templates {
		items = append(items, templateJSON{ID: t.ID, Name: t.Name, Description: t.Description, Definition: t.Definition})
	}
	return c.JSON(http.StatusOK, newListResponse(items, ""))
}

// fromTemplateRequest makes a draft from a template.
type fromTemplateRequest struct {
	TemplateID    string `json:"templateId" validate:"required"`
	Name          string `json:"name" validate:"omitempty,notblank,singleline,max=100"`
	LineAccountID string `json:"lineAccountId"`
}

func (s *server) createFromTemplate(c echo.Context) error {
	var req fromTemplateRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	var template *definition.Template
	for _, t := range definition.Templates() {
		if t.ID == req.TemplateID {
			template = &t
			break
		}
	}
	if template == nil {
		return validationFailed(map[string]string{"templateId": "no template with this id; see GET /v1/workflow-templates"})
	}
	d, _ := definition.Parse(template.Definition, s.limits())
	if d == nil {
		return fmt.Errorf("template %s does not parse", template.ID)
	}
	if req.Name != "" {
		d.Name = req.Name
	}
	if req.LineAccountID != "" {
		d.LineAccountID = req.LineAccountID
	}
	name, err := s.store.UniqueWorkflowName(c.Request().Context(), workspaceID(c), d.Name)
	if err != nil {
		return err
	}
	d.Name = name
	w, err := s.createFromDefinition(c, d)
	if err != nil {
		return err
	}
	return s.respondDetail(c, http.StatusCreated, w)
}
