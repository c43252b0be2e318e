package faults_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

// welcomeDoc greets every new friend.
const welcomeDoc = `{
  "name": "Welcome",
  "trigger": {"type": "friend_added"},
  "start": "hello",
  "nodes": [{"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}]}]
}`

// rider is one friend going through the survey.
type rider struct {
	name, friendID, lineUserID, drink string
	// byWebhook: the friend answers in LINE (a signed message event, which the inbox
	// routes to the question); otherwise through POST /v1/executions/{id}/replies.
	byWebhook bool
	execution string // set once enrolled
}

// riders makes n friends: every other one drinks tea, and every other pair answers by
// webhook, so that each drink is answered both ways.
func (w *world) riders(n int) []*rider {
	out := make([]*rider, n)
	for i := range out {
		r := &rider{name: fmt.Sprintf("Friend %03d", i), drink: "Coffee", byWebhook: i%4 >= 2}
		if i%2 == 1 {
			r.drink = "Tea"
		}
		r.friendID, r.lineUserID = w.friend(r.name)
		out[i] = r
	}
	return out
}

// enroll enrolls the rider in the survey through the API.
func (w *world) enroll(survey string, r *rider) error {
	res, err := w.expect(http.StatusCreated, http.MethodPost, "/v1/workflows/"+survey+"/executions",
		map[string]any{"friendId": r.friendID})
	if err != nil {
		return fmt.Errorf("enroll %s: %w", r.name, err)
	}
	r.execution = res.str("id")
	return nil
}

// answer has the rider answer the question, in LINE or through the API.
func (w *world) answer(r *rider) error {
	if r.byWebhook {
		status, err := w.postWebhook(linefake.CallbackBody(w.textEvent(r.lineUserID, r.drink)))
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("status %d", status)
		}
		if err != nil {
			return fmt.Errorf("%s answers in LINE: webhook: %w", r.name, err)
		}
		return nil
	}
	_, err := w.expect(http.StatusAccepted, http.MethodPost, "/v1/executions/"+r.execution+"/replies", map[string]any{"text": r.drink})
	if err != nil {
		return fmt.Errorf("%s answers through the API: %w", r.name, err)
	}
	return nil
}

// wantTexts is what the survey sends the rider, in order.
func (r *rider) wantTexts() []string {
	return []string{"Welcome, " + r.name + "!", "Coffee or tea?", "Enjoy your " + r.drink + ", " + r.name + "!"}
}

// wantTrace is the rider's complete trace.
func (r *rider) wantTrace() string {
	if r.drink == "Coffee" {
		return "hello:succeeded:next|ask:succeeded:next|sort:succeeded:branches[0].next|coffee:succeeded:next|thanks:succeeded:next"
	}
	return "hello:succeeded:next|ask:succeeded:next|sort:succeeded:else|tea:succeeded:next|thanks:succeeded:next"
}

func executionsOf(riders []*rider) []string {
	ids := make([]string, len(riders))
	for i, r := range riders {
		ids[i] = r.execution
	}
	return ids
}

// checkSurvey fails the test unless every rider received exactly the survey's messages,
// once each and in order, every trace is complete, and the workflow's statistics count
// every run completed and nothing failed.
func (w *world) checkSurvey(t *testing.T, survey string, riders []*rider) {
	t.Helper()
	wrong := 0
	for _, r := range riders {
		got, want := w.texts(r.lineUserID), r.wantTexts()
		if !slices.Equal(got, want) {
			wrong++
			if wrong <= 10 {
				var via []string
				for _, m := range w.line.Delivered(r.lineUserID) {
					via = append(via, fmt.Sprintf("%s %s %q (retry key %s)", m.Time.Format("15:04:05.000"), m.Via, m.Text, m.RetryKey))
				}
				t.Errorf("%s (answered by webhook: %v) received %q, want exactly %q:\n  %s",
					r.name, r.byWebhook, got, want, strings.Join(via, "\n  "))
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d friends did not receive exactly their messages", wrong, len(riders))
	}

	badTraces := 0
	for _, r := range riders {
		x, err := w.expect(http.StatusOK, http.MethodGet, "/v1/executions/"+r.execution, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := traceOf(x); got != r.wantTrace() || x.str("status") != "completed" {
			badTraces++
			if badTraces <= 10 {
				t.Errorf("%s: execution %s, trace %s, want completed with %s", r.name, x.str("status"), got, r.wantTrace())
			}
		}
	}
	if badTraces > 0 {
		t.Errorf("%d of %d traces are not complete", badTraces, len(riders))
	}

	stats := w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+survey+"/stats", nil)
	n := float64(len(riders))
	for key, want := range map[string]float64{"total": n, "completed": n, "running": 0, "failed": 0, "ejected": 0} {
		if stats.body[key] != want {
			t.Errorf("stats.%s = %v, want %v", key, stats.body[key], want)
		}
	}
	for _, node := range stats.body["nodes"].([]any) {
		node := node.(map[string]any)
		if node["failed"] != float64(0) || node["total"] != node["succeeded"] {
			t.Errorf("stats of node %v: %v, want every visit succeeded", node["id"], node)
		}
	}
}

// answerWhenParked answers each rider's question once their run waits at it, polling
// the database, until every rider has answered or timeout passes. Riders come in on
// enrolled (closed when no more will come); it returns how many answers it sent and the
// errors met. It runs beside the test's goroutine, so it reports instead of failing.
func (w *world) answerWhenParked(enrolled <-chan *rider, timeout time.Duration) (answered int, errs []error) {
	deadline := time.Now().Add(timeout)
	pending := map[string]*rider{}
	results := make(chan error, 1024)
	inFlight := 0
	open := true
	for open || len(pending) > 0 {
		for more := true; more && open; {
			select {
			case r, ok := <-enrolled:
				if !ok {
					open = false
				} else {
					pending[r.execution] = r
				}
			default:
				more = false
			}
		}
		var ids []string
		for id := range pending {
			ids = append(ids, id)
		}
		parked, err := w.parkedAt(ids, "ask")
		if err != nil {
			errs = append(errs, fmt.Errorf("look for parked runs: %w", err))
		}
		for _, id := range parked {
			r := pending[id]
			delete(pending, id)
			inFlight++
			go func() { results <- w.answer(r) }()
		}
		if time.Now().After(deadline) {
			var names []string
			for _, r := range pending {
				names = append(names, r.name)
			}
			errs = append(errs, fmt.Errorf("%d runs never waited at the question within %s: %v", len(pending), timeout, names))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for range inFlight {
		if err := <-results; err != nil {
			errs = append(errs, err)
		} else {
			answered++
		}
	}
	return answered, errs
}
