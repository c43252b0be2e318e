package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

func TestTestRun_RunsTheDraftWithoutActivatingIt(t *testing.T) {
	w := newWorld(t)
	var def map[string]any
	if err := json.Unmarshal([]byte(testenv.SurveyDefinition), &def); err != nil {
		t.Fatal(err)
	}
	def["lineAccountId"] = w.account
	workflowID := w.must(http.StatusCreated, http.MethodPost, "/v1/workflows", def).str("id")
	friendID, lineUserID := w.friend("Tester")

	x := w.must(http.StatusCreated, http.MethodPost, "/v1/workflows/"+workflowID+"/test", map[string]any{"friendId": friendID})
	if x.body["test"] != true || x.body["version"].(float64) >= 0 {
		t.Fatalf("test run %s, want test: true on a test version", x.raw)
	}
	id := x.str("id")
	w.waitForWaiting([]string{id}, "ask", 30*time.Second)
	// A test does not keep the friend from the real thing.
	w.must(http.StatusOK, http.MethodPost, "/v1/workflows/"+workflowID+"/activate", nil)
	real := w.enroll(workflowID, friendID)
	w.waitForWaiting([]string{real}, "ask", 30*time.Second)
	// A run records that it waits at the question before it sends it: wait for the real
	// run's question to arrive too, so the test run's answer is the last message.
	w.waitFor("both runs' questions", 30*time.Second, func() bool { return count(w.texts(lineUserID), "Coffee or tea?") == 2 })

	w.must(http.StatusAccepted, http.MethodPost, "/v1/executions/"+id+"/replies", map[string]any{"text": "Tea"})
	w.waitForStatus([]string{id}, models.ExecutionCompleted, 30*time.Second)
	if got := w.texts(lineUserID); len(got) < 4 || got[len(got)-1] != "Enjoy your Tea, Tester!" {
		t.Fatalf("delivered %q", got)
	}
	stats := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+workflowID+"/stats", nil)
	if stats.body["total"] != float64(1) || stats.body["completed"] != float64(0) {
		t.Fatalf("stats count the test run: %s", stats.raw)
	}
	versions := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+workflowID+"/versions", nil).body["items"].([]any)
	if len(versions) != 1 {
		t.Fatalf("%d versions listed, want only the activated one", len(versions))
	}

	// A draft activation would refuse cannot be tested either.
	def["nodes"] = append(def["nodes"].([]any), map[string]any{"id": "loose", "type": "tag", "add": []string{"x"}, "next": "nowhere"})
	w.must(http.StatusOK, http.MethodPut, "/v1/workflows/"+workflowID, def)
	res := w.call(http.MethodPost, "/v1/workflows/"+workflowID+"/test", map[string]any{"friendId": friendID})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("testing an invalid draft: %d %s", res.status, res.raw)
	}
}

// count is how many times s is in list.
func count(list []string, s string) int {
	n := 0
	for _, item := range list {
		if item == s {
			n++
		}
	}
	return n
}
