package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/linefake"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// channelSecret is the world's LINE account's channel secret (see newWorld).
var channelSecret = strings.Repeat("1", 32)

func (w *world) followEvent(userID string) map[string]any {
	return linefake.FollowEvent(userID, w.channel.IssueReplyToken(userID, time.Minute))
}

func (w *world) textEvent(userID, text string) map[string]any {
	return linefake.TextEvent(userID, w.channel.IssueReplyToken(userID, time.Minute), text)
}

func (w *world) postbackEvent(userID, data string) map[string]any {
	return linefake.PostbackEvent(userID, w.channel.IssueReplyToken(userID, time.Minute), data)
}

// postWebhook delivers a body to the account's webhook, signed with secret.
func (w *world) postWebhook(body []byte, secret string) response {
	w.t.Helper()
	req, err := linefake.WebhookRequest(context.Background(), w.api.URL+"/webhooks/line/"+w.account, secret, body)
	if err != nil {
		w.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	out := response{status: res.StatusCode}
	_ = json.NewDecoder(res.Body).Decode(&out.body)
	return out
}

// deliver posts events, signed right, and expects 200.
func (w *world) deliver(events ...map[string]any) {
	w.t.Helper()
	if res := w.postWebhook(linefake.CallbackBody(events...), channelSecret); res.status != http.StatusOK {
		w.t.Fatalf("webhook answered %d: %v", res.status, res.body)
	}
}

// lineFriend adds a user to the fake LINE channel only: Lumo learns of them by webhook.
func (w *world) lineFriend(name string) string {
	return w.channel.AddFriend(linefake.Profile{DisplayName: name}).UserID
}

// executionsOf lists a workflow's executions (newest first) through the API.
func (w *world) executionsOf(workflowID string) []map[string]any {
	w.t.Helper()
	var out []map[string]any
	for _, item := range w.must(http.StatusOK, http.MethodGet, "/v1/workflows/"+workflowID+"/executions?limit=100", nil).body["items"].([]any) {
		out = append(out, item.(map[string]any))
	}
	return out
}

// waitForExecutions waits until the workflow has n executions, all with the status.
func (w *world) waitForExecutions(workflowID string, n int, status string, timeout time.Duration) []map[string]any {
	w.t.Helper()
	var got []map[string]any
	w.waitFor(fmt.Sprintf("%d executions %s", n, status), timeout, func() bool {
		var n64 int64
		w.store.DB().Table("executions").Where("workflow_id = ? AND status = ?", workflowID, status).Count(&n64)
		return int(n64) == n
	})
	got = w.executionsOf(workflowID)
	if len(got) != n {
		w.t.Fatalf("%d executions, want %d", len(got), n)
	}
	return got
}

// withTrigger puts a trigger into a definition document.
func withTrigger(doc, trigger string) string {
	return strings.Replace(doc, `"trigger": {"type": "manual"}`, `"trigger": `+trigger, 1)
}

const welcomeDoc = `{
  "name": "Welcome",
  "trigger": {"type": "friend_added"},
  "start": "hello",
  "nodes": [{"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}]}]
}`

func TestWebhook_FollowRunsTheWelcomeJourneyForFree(t *testing.T) {
	w := newWorld(t)
	welcome := w.activeWorkflow(welcomeDoc)
	user := w.lineFriend("Aiko")

	w.deliver(w.followEvent(user))
	w.waitForExecutions(welcome, 1, "completed", 30*time.Second)
	delivered := w.line.Delivered(user)
	if len(delivered) != 1 || delivered[0].Text != "Welcome, Aiko!" || delivered[0].Via != linefake.EndpointReply {
		t.Fatalf("delivered %+v, want one free reply naming the friend from LINE's profile", delivered)
	}
	friend, err := w.store.FriendByLineUser(context.Background(), w.workspace, w.account, user)
	if err != nil || friend.DisplayName != "Aiko" || friend.FollowedAt == nil || friend.BlockedAt != nil {
		t.Fatalf("friend %+v, %v", friend, err)
	}
}

func TestWebhook_KeywordsPostbacksAndVideosFireTheirWorkflows(t *testing.T) {
	w := newWorld(t)
	coupon := w.activeWorkflow(withTrigger(`{"name": "Coupon", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Coupon for {{trigger.text}}"}]}]}`,
		`{"type": "message_received", "match": {"mode": "contains", "keywords": ["coupon"]}}`))
	buy := w.activeWorkflow(withTrigger(`{"name": "Buy", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Bought: {{trigger.data}}"}]}]}`,
		`{"type": "postback_received", "data": "action=buy"}`))
	video := w.activeWorkflow(withTrigger(`{"name": "Video", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Thanks for watching"}]}]}`,
		`{"type": "video_view_completed", "trackingId": "promo"}`))
	user := w.lineFriend("Ken")

	w.deliver(w.textEvent(user, "hello there"))            // no keyword
	w.deliver(w.textEvent(user, "Any COUPON today?"))      // keyword
	w.deliver(w.postbackEvent(user, "action=sell&item=1")) // other prefix
	w.deliver(w.postbackEvent(user, "action=buy&item=7"))
	w.deliver(linefake.Event("videoPlayComplete", user, map[string]any{
		"replyToken": w.channel.IssueReplyToken(user, time.Minute), "videoPlayComplete": map[string]any{"trackingId": "other"}}))
	w.deliver(linefake.Event("videoPlayComplete", user, map[string]any{
		"replyToken": w.channel.IssueReplyToken(user, time.Minute), "videoPlayComplete": map[string]any{"trackingId": "promo"}}))

	for _, id := range []string{coupon, buy, video} {
		w.waitForExecutions(id, 1, "completed", 30*time.Second)
	}
	want := []string{"Coupon for Any COUPON today?", "Bought: action=buy&item=7", "Thanks for watching"}
	if got := w.texts(user); strings.Join(got, "|") != strings.Join(want, "|") {
		for _, m := range w.line.Delivered(user) {
			t.Logf("%s %s %s %s", m.Time.Format("15:04:05.000"), m.Via, m.RetryKey, m.Text)
		}
		t.Fatalf("delivered %q, want %q", got, want)
	}
}

func TestWebhook_AReplyAnswersTheWaitingQuestionAndTheNextMessageIsFree(t *testing.T) {
	w := newWorld(t)
	survey := w.activeWorkflow(withTrigger(testenv.SurveyDefinition, `{"type": "friend_added"}`))
	anyMessage := w.activeWorkflow(withTrigger(`{"name": "Echo", "trigger": {"type": "manual"}, "start": "tag", "nodes": [
		{"id": "tag", "type": "tag", "add": ["wrote"]}]}`, `{"type": "message_received"}`))
	user := w.lineFriend("Mina")

	w.deliver(w.followEvent(user))
	var execution string
	w.waitFor("the survey to wait at the question", 30*time.Second, func() bool {
		runs := w.executionsOf(survey)
		if len(runs) != 1 {
			return false
		}
		execution = runs[0]["id"].(string)
		return true
	})
	w.waitForWaiting([]string{execution}, "ask", 30*time.Second)
	// The friend answers the question once it has reached them (the run records that it
	// waits a moment before it sends the question).
	w.waitFor("the question to arrive", 30*time.Second, func() bool { return count(w.texts(user), "Coffee or tea?") == 1 })

	w.deliver(w.textEvent(user, "Coffee"))
	w.waitForStatus([]string{execution}, models.ExecutionCompleted, 30*time.Second)

	var via []string
	for _, m := range w.line.Delivered(user) {
		via = append(via, string(m.Via)+":"+m.Text)
	}
	want := []string{"reply:Welcome, Mina!", "push:Coffee or tea?", "reply:Enjoy your Coffee, Mina!"}
	if strings.Join(via, "|") != strings.Join(want, "|") {
		t.Fatalf("delivered %q, want %q", via, want)
	}
	if got := traceOf(w.execution(execution)); !strings.Contains(got, "sort:succeeded:branches[0].next|coffee:succeeded:next") {
		t.Fatalf("trace %s", got)
	}
	// The answer was the question's: it did not also fire message_received.
	if runs := w.executionsOf(anyMessage); len(runs) != 0 {
		t.Fatalf("the answer started %d message_received runs", len(runs))
	}
	// A message when nothing waits does.
	w.deliver(w.textEvent(user, "thanks!"))
	w.waitForExecutions(anyMessage, 1, "completed", 30*time.Second)
}

func TestWebhook_ARedeliveredEventStartsNothingTwice(t *testing.T) {
	w := newWorld(t)
	welcome := w.activeWorkflow(welcomeDoc)
	barrier := w.activeWorkflow(withTrigger(`{"name": "Barrier", "trigger": {"type": "manual"}, "start": "tag", "nodes": [
		{"id": "tag", "type": "tag", "add": ["wrote"]}]}`, `{"type": "message_received"}`))
	user := w.lineFriend("Aiko")
	follow := w.followEvent(user)
	body := linefake.CallbackBody(follow)

	w.deliver(follow)
	w.waitForExecutions(welcome, 1, "completed", 30*time.Second)
	// The same delivery again, and LINE's redelivery of it.
	if res := w.postWebhook(body, channelSecret); res.status != http.StatusOK {
		t.Fatalf("repeat answered %d", res.status)
	}
	follow["deliveryContext"] = map[string]any{"isRedelivery": true}
	w.deliver(follow)
	// A later event of the same friend is handled after the repeats (one inbox a friend,
	// in order): once its run is done, a repeat that was going to act has acted. No sleep.
	w.deliver(w.textEvent(user, "still here"))
	w.waitForExecutions(barrier, 1, "completed", 30*time.Second)
	if runs := w.executionsOf(welcome); len(runs) != 1 {
		t.Fatalf("%d runs after redelivery, want 1", len(runs))
	}
	if got := w.texts(user); len(got) != 1 {
		t.Fatalf("delivered %q, want one welcome", got)
	}
}

func TestWebhook_RefusesBadSignaturesAndAcceptsEmptyChecks(t *testing.T) {
	w := newWorld(t)
	w.activeWorkflow(welcomeDoc)
	user := w.lineFriend("Aiko")
	body := linefake.CallbackBody(w.followEvent(user))

	cases := []struct {
		name   string
		do     func() response
		status int
	}{
		{"wrong secret", func() response { return w.postWebhook(body, strings.Repeat("2", 32)) }, http.StatusUnauthorized},
		{"no signature", func() response {
			res, err := http.Post(w.api.URL+"/webhooks/line/"+w.account, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return response{status: res.StatusCode}
		}, http.StatusUnauthorized},
		{"signed, then changed", func() response {
			return w.postWebhook(bytes.Replace(linefake.CallbackBody(w.followEvent(user)), []byte(`"follow"`), []byte(`"unfollow"`), 1), "")
		}, http.StatusUnauthorized},
		{"unknown account", func() response {
			res, err := http.Post(w.api.URL+"/webhooks/line/01a20000-0000-7000-8000-00000000000f", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return response{status: res.StatusCode}
		}, http.StatusNotFound},
		{"empty events (LINE's verify)", func() response { return w.postWebhook(linefake.CallbackBody(), channelSecret) }, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := c.do(); res.status != c.status {
				t.Fatalf("status %d, want %d", res.status, c.status)
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	if calls := w.line.Calls(); len(calls) != 0 {
		t.Fatalf("LINE saw %d calls after refused webhooks", len(calls))
	}
	if _, err := w.store.FriendByLineUser(context.Background(), w.workspace, w.account, user); err == nil {
		t.Fatal("a refused webhook recorded a friend")
	}
}

func TestWebhook_AHundredFriendsInOneDelivery(t *testing.T) {
	w := newWorld(t)
	welcome := w.activeWorkflow(welcomeDoc)
	var events []map[string]any
	var users []string
	for i := range 100 {
		user := w.lineFriend(fmt.Sprintf("Friend %03d", i))
		users = append(users, user)
		events = append(events, w.followEvent(user))
	}
	started := time.Now()
	w.deliver(events...)
	t.Logf("100 events acknowledged in %s", time.Since(started).Round(time.Millisecond))
	w.waitForExecutions(welcome, 100, "completed", 2*time.Minute)
	for i, user := range users {
		if got := w.texts(user); len(got) != 1 || got[0] != fmt.Sprintf("Welcome, Friend %03d!", i) {
			t.Fatalf("%s received %q", user, got)
		}
	}
}

func TestWebhook_BlockingEjectsAndIncomingMessagesExit(t *testing.T) {
	w := newWorld(t)
	patient := w.activeWorkflow(withTrigger(exitDoc, `{"type": "friend_added"}`))
	survey := w.activeWorkflow(withTrigger(testenv.SurveyDefinition, `{"type": "friend_added"}`))
	blocked := w.activeWorkflow(withTrigger(`{"name": "Goodbye", "trigger": {"type": "manual"}, "start": "tag", "nodes": [
		{"id": "tag", "type": "tag", "add": ["left"]}]}`, `{"type": "blocked"}`))
	chatty, quiet := w.lineFriend("Chatty"), w.lineFriend("Quiet")

	w.deliver(w.followEvent(chatty), w.followEvent(quiet))
	w.waitForExecutions(patient, 2, "running", 30*time.Second)
	w.waitForExecutions(survey, 2, "running", 30*time.Second)
	var ids []string
	for _, x := range append(w.executionsOf(patient), w.executionsOf(survey)...) {
		ids = append(ids, x["id"].(string))
	}
	w.waitFor("the runs to park", 30*time.Second, func() bool {
		var n int64
		w.store.DB().Table("execution_steps").Where("execution_id IN ? AND outcome = ?", ids, "waiting").Count(&n)
		return n == 4
	})

	// Chatty writes while the patient survey waits a day and the other asks a
	// question: the message answers the question; the patient one exits (it still
	// exits: exitOn names incoming messages, and no question of its own waits).
	w.deliver(w.textEvent(chatty, "Tea"))
	// Quiet blocks the account: every run of theirs is ejected, and the blocked
	// trigger runs.
	w.deliver(linefake.Event("unfollow", quiet, nil))

	w.waitFor("the runs to end", 30*time.Second, func() bool {
		var n int64
		w.store.DB().Table("executions").Where("id IN ? AND status <> ?", ids, "running").Count(&n)
		return n == 4
	})
	statuses := map[string]string{}
	for _, wf := range []string{patient, survey} {
		for _, x := range w.executionsOf(wf) {
			friend, _ := w.store.GetFriend(context.Background(), w.workspace, x["friendId"].(string))
			statuses[wf[len(wf)-4:]+"/"+friend.DisplayName] = x["status"].(string) + ":" + x["error"].(string)
		}
	}
	want := map[string]string{
		patient[len(patient)-4:] + "/Chatty": "ejected:exited: incoming_message",
		survey[len(survey)-4:] + "/Chatty":   "completed:",
		patient[len(patient)-4:] + "/Quiet":  "ejected:ejected",
		survey[len(survey)-4:] + "/Quiet":    "ejected:ejected",
	}
	for k, v := range want {
		if statuses[k] != v {
			t.Errorf("%s: %s, want %s", k, statuses[k], v)
		}
	}
	w.waitForExecutions(blocked, 1, "completed", 30*time.Second)
	friend, err := w.store.FriendByLineUser(context.Background(), w.workspace, w.account, quiet)
	if err != nil || friend.BlockedAt == nil {
		t.Fatalf("quiet is not blocked: %+v %v", friend, err)
	}
}

func TestWebhook_AQRCodeScanBecomesQRCodeScannedOnTheFollow(t *testing.T) {
	w := newWorld(t)
	code := w.must(http.StatusCreated, http.MethodPost, "/v1/qr-codes", map[string]any{"name": "Flyer", "lineAccountId": w.account}).str("id")
	scanned := w.activeWorkflow(withTrigger(`{"name": "From the flyer", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Thanks for scanning {{trigger.qrCodeId}}"}]}]}`,
		`{"type": "qr_code_scanned", "qrCodeId": "`+code+`"}`))
	welcome := w.activeWorkflow(welcomeDoc)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(w.api.URL + "/q/" + code)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("scan answered %d", res.StatusCode)
	}

	scanner, later := w.lineFriend("Scanner"), w.lineFriend("Later")
	w.deliver(w.followEvent(scanner))
	w.waitForExecutions(scanned, 1, "completed", 30*time.Second)
	w.waitForExecutions(welcome, 1, "completed", 30*time.Second)
	if got := w.texts(scanner); !contains(got, "Thanks for scanning "+code) || !contains(got, "Welcome, Scanner!") {
		t.Fatalf("the scanner received %q", got)
	}
	// One scan, one friend: the next follow is only a follow.
	w.deliver(w.followEvent(later))
	w.waitForExecutions(welcome, 2, "completed", 30*time.Second)
	if runs := w.executionsOf(scanned); len(runs) != 1 {
		t.Fatalf("%d qr_code_scanned runs, want 1", len(runs))
	}
	if n := w.must(http.StatusOK, http.MethodGet, "/v1/qr-codes/"+code, nil).body["scanCount"]; n != float64(1) {
		t.Fatalf("scanCount %v", n)
	}
}

// Found from outside: a delivery with a 100,000-character userId was a 500, and one with
// a timestamp past the year 9999 a 503, so LINE redelivered the batch for ever and the
// good event in it never ran. Now the bad events are dropped and recorded, the good one
// runs its workflow once, and the redelivery changes nothing.
func TestWebhook_BadEventsAreDroppedAndRecordedAndTheGoodOneRunsOnce(t *testing.T) {
	w := newWorld(t)
	welcome := w.activeWorkflow(welcomeDoc)
	good, late := w.lineFriend("Aiko"), w.lineFriend("Late")
	hugeUser := w.followEvent(good)
	hugeUser["source"] = map[string]any{"type": "user", "userId": "U" + strings.Repeat("a", 99999)}
	farFuture := w.followEvent(late)
	farFuture["timestamp"] = int64(253402300800000) // 10000-01-01
	body := linefake.CallbackBody(hugeUser, farFuture, w.followEvent(good))

	for attempt := range 2 { // the delivery, and LINE's redelivery of it
		if res := w.postWebhook(body, channelSecret); res.status != http.StatusOK {
			t.Fatalf("attempt %d: webhook answered %d: %v", attempt, res.status, res.body)
		}
	}
	w.waitForExecutions(welcome, 1, "completed", 30*time.Second)
	rejected := w.must(http.StatusOK, http.MethodGet, "/v1/line-accounts/"+w.account+"/rejected-events", nil).body["items"].([]any)
	var reasons []string
	for _, r := range rejected {
		reasons = append(reasons, r.(map[string]any)["reason"].(string))
	}
	slices.Sort(reasons)
	if len(reasons) != 2 || !strings.HasPrefix(reasons[0], "events[0].source.userId: ") || !strings.HasPrefix(reasons[1], "events[1].timestamp: ") {
		t.Fatalf("rejected events %q, want the userId and the timestamp, once each", reasons)
	}
	if got := w.texts(good); len(got) != 1 || got[0] != "Welcome, Aiko!" {
		t.Fatalf("the good event's friend received %q, want one welcome", got)
	}
	if got := w.texts(late); len(got) != 0 {
		t.Fatalf("the friend of the dropped event received %q", got)
	}
	if _, err := w.store.FriendByLineUser(context.Background(), w.workspace, w.account, late); err == nil {
		t.Fatal("a dropped event recorded a friend")
	}
}
