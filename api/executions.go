package api

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// The executions routes: enrolling a friend by hand, the runs of a workflow and their
// figures, one run with its trace, and what operators do to a run (answer a question,
// eject). Starting, answering and ejecting go through the Engine; without one they answer
// 503 after the object and the body have been checked.

// enrollmentRequest is the body of POST /v1/workflows/{id}/executions: one friend, named
// by exactly one of FriendID and LineUserID, and the run's vars.
type enrollmentRequest struct {
	FriendID   string            `json:"friendId" validate:"max=100"`
	LineUserID string            `json:"lineUserId"`
	Vars       map[string]string `json:"vars" validate:"max=50,dive,keys,required,max=100,endkeys,max=2000"`
}

// replyRequest is the body of POST /v1/executions/{id}/replies: a friend's text message
// or postback data, exactly one.
type replyRequest struct {
	Text     string `json:"text" validate:"max=5000"`
	Postback string `json:"postback" validate:"max=300"`
}

const lineUserIDProblem = "must be a LINE user ID: U and 32 lowercase hexadecimal characters"

// decodeEnrollment decodes and checks an enrollment body, reporting every bad field at
// once.
func decodeEnrollment(v *inputValidator, body []byte) (enrollmentRequest, error) {
	var in enrollmentRequest
	if err := decodeStrict(body, &in); err != nil {
		return in, err
	}
	fields, err := fieldProblems(v, &in)
	if err != nil {
		return in, err
	}
	exactlyOne(fields, "friendId", in.FriendID, "lineUserId", in.LineUserID)
	if in.LineUserID != "" && !isLineUserID(in.LineUserID) {
		fields["lineUserId"] = lineUserIDProblem
	}
	if len(fields) > 0 {
		return in, validationFailed(fields)
	}
	return in, nil
}

// decodeReply decodes and checks a reply body, reporting every bad field at once.
func decodeReply(v *inputValidator, body []byte) (replyRequest, error) {
	var in replyRequest
	if err := decodeStrict(body, &in); err != nil {
		return in, err
	}
	fields, err := fieldProblems(v, &in)
	if err != nil {
		return in, err
	}
	exactlyOne(fields, "text", in.Text, "postback", in.Postback)
	if len(fields) > 0 {
		return in, validationFailed(fields)
	}
	return in, nil
}

// fieldProblems runs the validate tags of dst and returns their problems by field, so
// that a handler can add the checks tags cannot express before answering.
func fieldProblems(v *inputValidator, dst any) (map[string]string, error) {
	fields := map[string]string{}
	err := v.check(dst)
	if err == nil {
		return fields, nil
	}
	var invalid *Error
	if !errors.As(err, &invalid) {
		return nil, err
	}
	maps.Copy(fields, invalid.Fields)
	return fields, nil
}

// exactlyOne adds a problem under both names unless exactly one of the two values is set
// (a problem a tag already reported stays).
func exactlyOne(fields map[string]string, name1, value1, name2, value2 string) {
	var problem string
	switch {
	case value1 == "" && value2 == "":
		problem = "required: give " + name1 + " or " + name2
	case value1 != "" && value2 != "":
		problem = "give " + name1 + " or " + name2 + ", not both"
	default:
		return
	}
	for _, name := range []string{name1, name2} {
		if _, taken := fields[name]; !taken {
			fields[name] = problem
		}
	}
}

// executionJSON is an execution as the API shows it. Trace is only in GET
// /v1/executions/{id}; lists and the answers to enroll and stop leave it out.
type executionJSON struct {
	ID            string `json:"id"`
	WorkflowID    string `json:"workflowId"`
	WorkflowName  string `json:"workflowName"`
	Version       int    `json:"version"`
	VersionID     string `json:"versionId"`
	FriendID      string `json:"friendId"`
	LineAccountID string `json:"lineAccountId"`
	Status        string `json:"status"`
	CurrentNode   string `json:"currentNode"`
	Error         string `json:"error"`
	// Test marks a test run of a draft; test runs stay out of the statistics.
	Test               bool       `json:"test"`
	StartedAt          time.Time  `json:"startedAt"`
	FinishedAt         *time.Time `json:"finishedAt"`
	TemporalWorkflowID string     `json:"temporalWorkflowId"`
	TemporalRunID      string     `json:"temporalRunId"`
	Trace              []stepJSON `json:"trace,omitzero"`
}

// stepJSON is one row of the trace: one visit to one node.
type stepJSON struct {
	NodeID     string     `json:"nodeId"`
	NodeType   string     `json:"nodeType"`
	Visit      int        `json:"visit"`
	Outcome    string     `json:"outcome"`
	Outlet     string     `json:"outlet"`
	Error      string     `json:"error"`
	LineAPI    string     `json:"lineApi"`
	Messages   int        `json:"messages"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt"`
}

func toExecutionJSON(e models.Execution, workflowName string) executionJSON {
	return executionJSON{
		ID:                 e.ID,
		WorkflowID:         e.WorkflowID,
		WorkflowName:       workflowName,
		Version:            e.Version,
		VersionID:          e.VersionID,
		FriendID:           e.FriendID,
		LineAccountID:      e.LineAccountID,
		Status:             string(e.Status),
		CurrentNode:        e.CurrentNode,
		Error:              e.Error,
		Test:               e.Test,
		StartedAt:          e.StartedAt.UTC(),
		FinishedAt:         utcOrNil(e.FinishedAt),
		TemporalWorkflowID: e.TemporalWorkflowID,
		TemporalRunID:      e.TemporalRunID,
	}
}

func toStepJSON(s models.ExecutionStep) stepJSON {
	return stepJSON{
		NodeID:     s.NodeID,
		NodeType:   s.NodeType,
		Visit:      s.Visit,
		Outcome:    s.Outcome,
		Outlet:     s.Outlet,
		Error:      s.Error,
		LineAPI:    s.LineAPI,
		Messages:   s.Messages,
		StartedAt:  s.StartedAt.UTC(),
		FinishedAt: utcOrNil(s.FinishedAt),
	}
}

// workflowStatsJSON is the answer of GET /v1/workflows/{id}/stats.
type workflowStatsJSON struct {
	Total     int64           `json:"total"`
	Running   int64           `json:"running"`
	Completed int64           `json:"completed"`
	Failed    int64           `json:"failed"`
	Ejected   int64           `json:"ejected"`
	Nodes     []nodeStatsJSON `json:"nodes"`
}

type nodeStatsJSON struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Total     int64  `json:"total"`
	Succeeded int64  `json:"succeeded"`
	Failed    int64  `json:"failed"`
	Waiting   int64  `json:"waiting"`
}

// engineMissing is the answer of the routes that need the engine when there is none.
func engineMissing() *Error {
	return &Error{
		Status:  http.StatusServiceUnavailable,
		Code:    CodeUnavailable,
		Message: "the workflow engine is not configured on this server: runs cannot be started, answered or ejected",
	}
}

// executionError maps the Store's errors about one execution to API errors.
func executionError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("execution not found")
	}
	return err
}

// enrollFriend starts a run of the workflow's active version for one friend.
func (s *server) enrollFriend(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	// An unknown or foreign workflow is a 404 before anything about the body.
	w, err := s.store.GetWorkflow(ctx, ws, c.Param("id"))
	if err != nil {
		return workflowError(err)
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
	// The engine checks the rest (the workflow is active, the vars are declared, the
	// friend is not enrolled already) and its errors carry their status.
	e, err := s.engine.Enroll(ctx, models.Enrollment{
		WorkspaceID: ws,
		WorkflowID:  w.ID,
		FriendID:    in.FriendID,
		LineUserID:  in.LineUserID,
		Vars:        in.Vars,
		Trigger:     map[string]string{"type": "manual"},
		Actor:       actor(c),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toExecutionJSON(e, w.Name))
}

func (s *server) listExecutions(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	w, err := s.store.GetWorkflow(ctx, ws, c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	filter := models.ExecutionFilter{Status: models.ExecutionStatus(c.QueryParam("status"))}
	rows, next, err := s.store.ListExecutions(ctx, ws, w.ID, filter, page)
	if err != nil {
		return workflowError(err)
	}
	items := make([]executionJSON, 0, len(rows))
	for _, e := range rows {
		items = append(items, toExecutionJSON(e, w.Name))
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

// workflowStats answers the workflow's figures, with a row per node: the active
// version's nodes in the order it lists them (zeros for a node no run has reached), then
// the nodes that only older versions had, by ID. A workflow never activated shows its
// draft's nodes, all zeros.
func (s *server) workflowStats(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	w, err := s.store.GetWorkflow(ctx, ws, c.Param("id"))
	if err != nil {
		return workflowError(err)
	}
	stats, err := s.store.WorkflowStats(ctx, ws, w.ID)
	if err != nil {
		return workflowError(err)
	}
	graph, err := s.statsGraph(ctx, w)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, workflowStatsJSON{
		Total:     stats.Total,
		Running:   stats.Running,
		Completed: stats.Completed,
		Failed:    stats.Failed,
		Ejected:   stats.Ejected,
		Nodes:     nodeRows(graph, stats.Nodes),
	})
}

// graphNode is a node's ID and type, all the statistics need of a definition.
type graphNode struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// statsGraph returns the nodes of the workflow's active version, or of its draft when it
// was never activated, in document order.
func (s *server) statsGraph(ctx context.Context, w models.Workflow) ([]graphNode, error) {
	doc := []byte(w.Draft)
	if w.ActiveVersion > 0 {
		v, err := s.store.GetVersion(ctx, w.WorkspaceID, w.ID, w.ActiveVersion)
		if err != nil {
			return nil, err
		}
		doc = v.Definition
	}
	return graphNodes(doc), nil
}

// graphNodes reads the id and type of each node of a definition document, leniently: a
// draft may be anything JSON, and a node it cannot read is left out rather than failing
// the figures.
func graphNodes(doc []byte) []graphNode {
	var d struct {
		Nodes []json.RawMessage `json:"nodes"`
	}
	if json.Unmarshal(doc, &d) != nil {
		return nil
	}
	var nodes []graphNode
	seen := map[string]bool{}
	for _, raw := range d.Nodes {
		var n graphNode
		if json.Unmarshal(raw, &n) != nil || n.ID == "" || seen[n.ID] {
			continue
		}
		seen[n.ID] = true
		nodes = append(nodes, n)
	}
	return nodes
}

// nodeRows lists graph's nodes with their figures (zeros when never visited), then the
// nodes only the trace knows, sorted by ID.
func nodeRows(graph []graphNode, visits map[string]models.NodeStats) []nodeStatsJSON {
	rows := make([]nodeStatsJSON, 0, len(graph)+len(visits))
	row := func(id, kind string, n models.NodeStats) nodeStatsJSON {
		return nodeStatsJSON{ID: id, Type: kind, Total: n.Total, Succeeded: n.Succeeded, Failed: n.Failed, Waiting: n.Waiting}
	}
	inGraph := map[string]bool{}
	for _, node := range graph {
		inGraph[node.ID] = true
		rows = append(rows, row(node.ID, node.Type, visits[node.ID]))
	}
	for _, id := range slices.Sorted(maps.Keys(visits)) {
		if !inGraph[id] {
			rows = append(rows, row(id, visits[id].Type, visits[id]))
		}
	}
	return rows
}

// getExecution answers one execution with its trace.
func (s *server) getExecution(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	e, err := s.store.GetExecution(ctx, ws, c.Param("id"))
	if err != nil {
		return executionError(err)
	}
	steps, err := s.store.ExecutionSteps(ctx, ws, e.ID)
	if err != nil {
		return executionError(err)
	}
	out, err := s.executionWithName(ctx, e)
	if err != nil {
		return err
	}
	out.Trace = make([]stepJSON, 0, len(steps))
	for _, step := range steps {
		out.Trace = append(out.Trace, toStepJSON(step))
	}
	return c.JSON(http.StatusOK, out)
}

// executionWithName is e as the API shows it, with its workflow's name.
func (s *server) executionWithName(ctx context.Context, e models.Execution) (executionJSON, error) {
	w, err := s.store.GetWorkflow(ctx, e.WorkspaceID, e.WorkflowID)
	if err != nil {
		// The workflow goes with its executions (ON DELETE CASCADE): both are gone.
		return executionJSON{}, executionError(err)
	}
	return toExecutionJSON(e, w.Name), nil
}

// stopExecution ejects one friend from a workflow: the run ends as "ejected".
func (s *server) stopExecution(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	e, err := s.store.GetExecution(ctx, ws, c.Param("id"))
	if err != nil {
		return executionError(err)
	}
	if s.engine == nil {
		return engineMissing()
	}
	ejected, err := s.engine.Eject(ctx, ws, e.ID)
	if err != nil {
		return executionError(err)
	}
	out, err := s.executionWithName(ctx, ejected)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// replyToExecution hands a friend's answer to a run, as if it had come from LINE: a
// waiting question takes it. The answer is asynchronous: 202.
func (s *server) replyToExecution(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	e, err := s.store.GetExecution(ctx, ws, c.Param("id"))
	if err != nil {
		return executionError(err)
	}
	body, err := readAll(c)
	if err != nil {
		return err
	}
	in, err := decodeReply(s.validate, body)
	if err != nil {
		return err
	}
	if s.engine == nil {
		return engineMissing()
	}
	reply := models.ExecutionReply{Text: in.Text, Postback: in.Postback, ReceivedAt: time.Now().UTC()}
	if err := s.engine.Reply(ctx, ws, e.ID, reply); err != nil {
		return executionError(err)
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "accepted"})
}
