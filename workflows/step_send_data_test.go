package workflows_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lumoworkflows/lumo/internal/egress"
	"github.com/lumoworkflows/lumo/models"
)

// hookFlow posts to a receiver, and tags the friend by how that went. RECEIVER is
// replaced by the receiver's URL.
const hookFlow = `{
  "name": "Hook",
  "vars": ["coupon"],
  "trigger": {"type": "friend_added"},
  "start": "post",
  "nodes": [
    {"id": "post", "type": "send_data", "url": "RECEIVER/hooks/lumo",
     "payload": {"name": "{{friend.displayName}}", "coupon": "{{vars.coupon}}"},
     "next": "posted", "failed": "unposted"},
    {"id": "posted", "type": "tag", "add": ["posted"]},
    {"id": "unposted", "type": "tag", "add": ["post_failed"]}
  ]
}`

// hookReceiver is a send_data endpoint that checks each request's signature as a
// receiver would, and answers with the statuses it is given in turn (then 200).
type hookReceiver struct {
	key     string
	mu      sync.Mutex
	answers []int
	// answerBody is what it writes after the status.
	answerBody string
	got        []hookDelivery
}

type hookDelivery struct {
	Body       map[string]any
	DeliveryID string
	Signed     bool
	Path       string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(h.key))
	mac.Write([]byte(r.Header.Get("X-Lumo-Timestamp") + "." + string(raw)))
	signed := hmac.Equal([]byte(r.Header.Get("X-Lumo-Signature")), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, hookDelivery{Body: body, DeliveryID: r.Header.Get("X-Lumo-Delivery-Id"), Signed: signed, Path: r.URL.EscapedPath()})
	status := http.StatusOK
	if !signed {
		status = http.StatusUnauthorized
	} else if len(h.answers) > 0 {
		status, h.answers = h.answers[0], h.answers[1:]
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, h.answerBody)
}

func (h *hookReceiver) deliveries() []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookDelivery(nil), h.got...)
}

// newHookWorld is a journey world for doc, with its send_data steps posting to a new
// receiver that knows key, and the workspace's "signing" secret set to signingKey.
func newHookWorld(t *testing.T, doc, key, signingKey string, answers ...int) (*journeyWorld, *hookReceiver) {
	t.Helper()
	recv := &hookReceiver{key: key, answers: answers}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	w := newJourneyWorld(t, strings.ReplaceAll(strings.ReplaceAll(doc, "RECEIVER_HOST", strings.TrimPrefix(srv.URL, "http://")), "RECEIVER", srv.URL))
	// The receiver listens on loopback, which the worker reaches only when its allow
	// list (LUMO_SEND_DATA_ALLOW) names it.
	allow, err := egress.ParseAllowList("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	w.sendDataAllow = allow
	w.env = newEnvFor(t, w)
	if signingKey != "" {
		if _, _, err := w.store.PutSecret(context.Background(), w.input.WorkspaceID, "signing", signingKey); err != nil {
			t.Fatal(err)
		}
	}
	w.input.Vars = map[string]string{"coupon": "SAVE10"}
	return w, recv
}

func TestSendData_PostsTheRenderedPayloadSigned(t *testing.T) {
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1")
	result := w.run(t)
	if result.Status != "completed" || result.LastNode != "posted" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	got := recv.deliveries()
	if len(got) != 1 || !got[0].Signed || got[0].Body["name"] != "Mina" || got[0].Body["coupon"] != "SAVE10" || len(got[0].Body) != 2 {
		t.Fatalf("deliveries = %+v", got)
	}
	if got := strings.Join(w.steps(t), "|"); got != "post:succeeded:next|posted:succeeded:next" {
		t.Fatalf("trace %s", got)
	}
}

func TestSendData_RetriesA500WithTheSameDeliveryID(t *testing.T) {
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1", http.StatusInternalServerError, http.StatusServiceUnavailable)
	result := w.run(t)
	if result.LastNode != "posted" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	got := recv.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d deliveries, want 3: %+v", len(got), got)
	}
	for _, d := range got {
		if !d.Signed || d.DeliveryID != got[0].DeliveryID || d.DeliveryID == "" {
			t.Fatalf("deliveries = %+v", got)
		}
	}
	if got := w.steps(t); got[0] != "post:succeeded:next" {
		t.Fatalf("trace %v", got)
	}
}

func TestSendData_A400TakesFailedAtOnce(t *testing.T) {
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1", http.StatusBadRequest)
	result := w.run(t)
	if result.Status != "completed" || result.LastNode != "unposted" || w.tags(t) != "post_failed" {
		t.Fatalf("result = %+v, tags %s, err %v", result, w.tags(t), w.env.GetWorkflowError())
	}
	if got := recv.deliveries(); len(got) != 1 {
		t.Fatalf("a 400 was retried: %d deliveries", len(got))
	}
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if rows[0].Outcome != "failed" || rows[0].Outlet != "failed" || !strings.Contains(rows[0].Error, "400") {
		t.Fatalf("step = %+v", rows[0])
	}
}

func TestSendData_AnEndpointThatStaysDownTakesFailedAfterTenAttempts(t *testing.T) {
	down := make([]int, 20)
	for i := range down {
		down[i] = http.StatusBadGateway
	}
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1", down...)
	result := w.run(t)
	if result.LastNode != "unposted" {
		t.Fatalf("result = %+v, err %v", result, w.env.GetWorkflowError())
	}
	if got := recv.deliveries(); len(got) != 10 {
		t.Fatalf("%d attempts, want 10", len(got))
	}
}

func TestSendData_WithoutPayloadSendsTheFriendAndTrigger(t *testing.T) {
	doc := `{"name": "Hook", "trigger": {"type": "friend_added"}, "start": "post",
  "nodes": [{"id": "post", "type": "send_data", "url": "RECEIVER/hooks/lumo"}]}`
	w, recv := newHookWorld(t, doc, "whsec_1", "whsec_1")
	w.input.Trigger = map[string]string{"source": "qr"}
	w.run(t)
	got := recv.deliveries()
	if len(got) != 1 {
		t.Fatalf("deliveries = %+v", got)
	}
	friend, _ := got[0].Body["friend"].(map[string]any)
	trigger, _ := got[0].Body["trigger"].(map[string]any)
	if friend["id"] != w.input.Friend.FriendID || friend["lineUserId"] != w.input.Friend.LineUserID || friend["displayName"] != "Mina" ||
		trigger["source"] != "qr" || len(got[0].Body) != 2 {
		t.Fatalf("body = %+v", got[0].Body)
	}
}

func TestSendData_SignsWithTheSecretItNames(t *testing.T) {
	doc := strings.Replace(hookFlow, `"url": "RECEIVER/hooks/lumo",`, `"url": "RECEIVER/hooks/lumo", "secretRef": "crm",`, 1)
	w, recv := newHookWorld(t, doc, "crm-key", "whsec_default")
	if _, _, err := w.store.PutSecret(context.Background(), w.input.WorkspaceID, "crm", "crm-key"); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	if got := recv.deliveries(); len(got) != 1 || !got[0].Signed || w.tags(t) != "posted" {
		t.Fatalf("deliveries = %+v, tags %s", got, w.tags(t))
	}
}

func TestSendData_AMissingSecretTakesFailedWithoutCalling(t *testing.T) {
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "")
	result := w.run(t)
	if result.LastNode != "unposted" || len(recv.deliveries()) != 0 {
		t.Fatalf("result = %+v, deliveries %v", result, recv.deliveries())
	}
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if !strings.Contains(rows[0].Error, `no secret "signing"`) {
		t.Fatalf("step = %+v", rows[0])
	}
}

func TestSendData_RefusalWithoutFailedOutletFailsTheRun(t *testing.T) {
	doc := `{"name": "Hook", "trigger": {"type": "friend_added"}, "start": "post",
  "nodes": [{"id": "post", "type": "send_data", "url": "RECEIVER/hooks/lumo"}]}`
	w, _ := newHookWorld(t, doc, "whsec_1", "whsec_1", http.StatusForbidden)
	w.run(t)
	if err := w.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("workflow error = %v", err)
	}
	execution, _ := w.store.GetExecution(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if execution.Status != models.ExecutionFailed {
		t.Fatalf("execution = %+v", execution)
	}
}

func TestSendData_WithoutAnAllowListLoopbackIsRefusedAtOnce(t *testing.T) {
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1")
	w.sendDataAllow = egress.AllowList{}
	w.env = newEnvFor(t, w)
	result := w.run(t)
	if result.LastNode != "unposted" || len(recv.deliveries()) != 0 {
		t.Fatalf("result = %+v, deliveries %+v", result, recv.deliveries())
	}
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if !strings.Contains(rows[0].Error, "loopback") {
		t.Fatalf("step = %+v", rows[0])
	}
}

func TestSendData_TheAnswerNeverReachesTheTrace(t *testing.T) {
	const marker = "INTERNAL-SECRET-7f3a"
	w, recv := newHookWorld(t, hookFlow, "whsec_1", "whsec_1", http.StatusBadRequest)
	recv.answerBody = `{"error": "` + marker + `"}`
	w.run(t)
	rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
	if len(rows) == 0 || !strings.Contains(rows[0].Error, "400") || !strings.Contains(rows[0].Error, "33 bytes") {
		t.Fatalf("steps = %+v, want the status and the answer's length", rows)
	}
	if strings.Contains(rows[0].Error, marker) {
		t.Fatalf("the answer reached the trace: %q", rows[0].Error)
	}
}

// TestSendData_AFriendsAnswerCannotMoveTheRequest: a question saved what the friend
// typed in a field, and the step's URL puts that field in a path segment.
func TestSendData_AFriendsAnswerCannotMoveTheRequest(t *testing.T) {
	doc := `{"name": "Hook", "trigger": {"type": "friend_added"}, "start": "post",
  "nodes": [{"id": "post", "type": "send_data", "url": "https://RECEIVER_HOST/sites/{{friend.fields.site}}/visits",
             "next": "posted", "failed": "unposted"},
            {"id": "posted", "type": "tag", "add": ["posted"]},
            {"id": "unposted", "type": "tag", "add": ["post_failed"]}]}`
	cases := []struct{ typed, inTrace string }{
		// Spelled out as a whole segment, ".." would climb: refused before connecting.
		{"../../admin", ". or .. segment"},
		// Encoded, it stays one segment on the step's host: the (plain http) receiver
		// cannot speak TLS, so the attempts fail, naming where they went.
		{"@evil.example:80/x?y=1#z", "/sites/%40evil.example%3A80%2Fx%3Fy%3D1%23z/visits"},
	}
	for _, tc := range cases {
		t.Run(tc.typed, func(t *testing.T) {
			w, recv := newHookWorld(t, doc, "whsec_1", "whsec_1")
			if err := w.store.SetFriendField(context.Background(), w.input.WorkspaceID, w.input.Friend.FriendID, "site", tc.typed); err != nil {
				t.Fatal(err)
			}
			result := w.run(t)
			if result.LastNode != "unposted" || len(recv.deliveries()) != 0 {
				t.Fatalf("result = %+v, deliveries %+v", result, recv.deliveries())
			}
			rows, _ := w.store.ExecutionSteps(context.Background(), w.input.WorkspaceID, w.input.ExecutionID)
			if !strings.Contains(rows[0].Error, "https://127.0.0.1:") || !strings.Contains(rows[0].Error, tc.inTrace) ||
				strings.Contains(rows[0].Error, "evil.example/") {
				t.Fatalf("step error = %q, want %q", rows[0].Error, tc.inTrace)
			}
		})
	}
}
