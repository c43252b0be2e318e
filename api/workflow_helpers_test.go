package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// workflow is a workflow as the API returns it.
type workflow struct {
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	Description     string       `json:"description"`
	LineAccountID   *string      `json:"lineAccountId"`
	TriggerType     string       `json:"triggerType"`
	Status          string       `json:"status"`
	Version         *int         `json:"version"`
	CreatedBy       string       `json:"createdBy"`
	CreatedAt       time.Time    `json:"createdAt"`
	LastPublishedBy *string      `json:"lastPublishedBy"`
	LastPublishedAt *time.Time   `json:"lastPublishedAt"`
	Definition      rawJSON      `json:"definition"`
	Problems        []problemRow `json:"problems"`
}

type problemRow struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

type rawJSON []byte

func (r *rawJSON) UnmarshalJSON(data []byte) error {
	*r = append(rawJSON(nil), data...)
	return nil
}

// welcomeDefinition is a small valid definition: greet, wait a day, greet again.
func welcomeDefinition(name, lineAccountID string) string {
	return fmt.Sprintf(`{
  "name": %q,
  "lineAccountId": %q,
  "trigger": {"type": "friend_added"},
  "start": "hello",
  "nodes": [
    {"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}], "next": "wait"},
    {"id": "wait", "type": "delay", "duration": "24h", "next": "tag"},
    {"id": "tag", "type": "tag", "add": ["welcomed"]}
  ]
}`, name, lineAccountID)
}

// createWorkflow saves doc as a draft and returns it.
func (a *testAPI) createWorkflow(key, doc string) workflow {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/workflows", key, doc)
	res.wantStatus(a.t, http.StatusCreated)
	var w workflow
	res.decode(a.t, &w)
	return w
}

// activeWorkflow creates and activates a welcome workflow.
func (a *testAPI) activeWorkflow(key, name, lineAccountID string) workflow {
	a.t.Helper()
	w := a.createWorkflow(key, welcomeDefinition(name, lineAccountID))
	res := a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "")
	res.wantStatus(a.t, http.StatusOK)
	res.decode(a.t, &w)
	return w
}

func (a *testAPI) getWorkflow(t *testing.T, key, id string) workflow {
	t.Helper()
	res := a.do(http.MethodGet, "/v1/workflows/"+id, key, "")
	res.wantStatus(t, http.StatusOK)
	var w workflow
	res.decode(t, &w)
	return w
}
