package e2e_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// qrWorld is a world whose account has a QR code and three active workflows: one the
// code's scan starts, a welcome for every follow, and a keyword workflow that a
// message saying "QR" or "ping" starts.
type qrWorld struct {
	*world
	code, scanned, welcome, keyword string
}

func newQRWorld(t *testing.T) qrWorld {
	// The flood comes from one test client: past the per-client rate limit, as many
	// clients' would be.
	w := qrWorld{world: newWorld(t, withoutQRRateLimit())}
	w.code = w.must(http.StatusCreated, http.MethodPost, "/v1/qr-codes", map[string]any{"name": "Flyer", "lineAccountId": w.account}).str("id")
	w.scanned = w.activeWorkflow(withTrigger(`{"name": "From the flyer", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "Thanks for scanning"}]}]}`,
		`{"type": "qr_code_scanned", "qrCodeId": "`+w.code+`"}`))
	w.welcome = w.activeWorkflow(welcomeDoc)
	w.keyword = w.activeWorkflow(withTrigger(`{"name": "Keywords", "trigger": {"type": "manual"}, "start": "send", "nodes": [
		{"id": "send", "type": "send_message", "messages": [{"type": "text", "text": "You said a keyword"}]}]}`,
		`{"type": "message_received", "match": {"mode": "contains", "keywords": ["QR", "ping"]}}`))
	return w
}

// scanFrom opens the code's scan link as a phone at the client address would (the
// address reaches the API as X-Forwarded-For), without following the redirect, and
// returns where it was sent.
func (w qrWorld) scanFrom(client string) string {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.api.URL+"/q/"+w.code, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", client)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		w.t.Fatalf("scan answered %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// prefilledText is the message an oaMessage link puts in the chat's input box.
func (w qrWorld) prefilledText(location string) string {
	w.t.Helper()
	const prefix = "https://line.me/R/oaMessage/%40cafe/?"
	if !strings.HasPrefix(location, prefix) {
		w.t.Fatalf("scan sent the phone to %q, want LINE's chat with the account (%s…)", location, prefix)
	}
	text, err := url.QueryUnescape(strings.TrimPrefix(location, prefix))
	if err != nil {
		w.t.Fatal(err)
	}
	return text
}

// runsOf counts a workflow's executions by friend ID.
func (w qrWorld) runsOf(workflowID string) map[string]int {
	runs := map[string]int{}
	for _, x := range w.executionsOf(workflowID) {
		runs[x["friendId"].(string)]++
	}
	return runs
}

func (w qrWorld) friendID(lineUserID string) string {
	w.t.Helper()
	f, err := w.store.FriendByLineUser(w.t.Context(), w.workspace, w.account, lineUserID)
	if err != nil {
		w.t.Fatal(err)
	}
	return f.ID
}

// The report from outside: 300 anonymous hits on the scan link, then two people who
// never scanned follow the account. Neither may be enrolled as a scanner.
func TestQR_AFloodOfAnonymousScansEnrollsNoFollower(t *testing.T) {
	w := newQRWorld(t)
	for range 300 {
		w.scanFrom("203.0.113.7")
	}
	first, second := w.lineFriend("First"), w.lineFriend("Second")
	w.deliver(w.followEvent(first))
	w.deliver(w.followEvent(second))
	w.waitForExecutions(w.welcome, 2, "completed", 30*time.Second)
	if runs := w.executionsOf(w.scanned); len(runs) != 0 {
		t.Fatalf("%d qr_code_scanned runs after a flood and two follows of people who never scanned, want 0", len(runs))
	}
	if n := w.must(http.StatusOK, http.MethodGet, "/v1/qr-codes/"+w.code, nil).body["scanCount"]; n != float64(300) {
		t.Fatalf("scanCount %v, want every visit counted", n)
	}
}

// A scan's code, sent back through LINE by the friend, credits that friend once; the
// code's message answers nothing and matches no keyword; the code replayed, by the
// same friend or another, does nothing.
func TestQR_TheScanCodeMessageCreditsExactlyItsSenderOnce(t *testing.T) {
	w := newQRWorld(t)
	w.must(http.StatusOK, http.MethodPatch, "/v1/line-accounts/"+w.account, map[string]any{"basicId": "@cafe"})

	// Three people scan from three addresses, so no follow alone proves anything (and
	// after Aiko's claim two scans still wait: Ben's follow claims neither).
	aiko := w.prefilledText(w.scanFrom("198.51.100.1"))
	w.prefilledText(w.scanFrom("198.51.100.2"))
	w.prefilledText(w.scanFrom("198.51.100.3"))
	scanner, other := w.lineFriend("Aiko"), w.lineFriend("Ben")
	w.deliver(w.followEvent(scanner))
	w.waitForExecutions(w.welcome, 1, "completed", 30*time.Second)

	w.deliver(w.textEvent(scanner, aiko))
	w.waitForExecutions(w.scanned, 1, "completed", 30*time.Second)
	scannerID := w.friendID(scanner)
	if runs := w.runsOf(w.scanned); runs[scannerID] != 1 {
		t.Fatalf("qr_code_scanned runs by friend %v, want one for the scanner %s", runs, scannerID)
	}

	// Replays: the scanner sends the code again, then the other friend sends it too.
	// "ping" after each (a keyword) shows the replay before it was handled: a friend's
	// events are handled in order.
	w.deliver(w.textEvent(scanner, aiko))
	w.deliver(w.textEvent(scanner, "ping"))
	w.deliver(w.followEvent(other))
	w.deliver(w.textEvent(other, aiko))
	w.deliver(w.textEvent(other, "ping"))
	w.waitForExecutions(w.keyword, 2, "completed", 30*time.Second)

	if runs := w.runsOf(w.scanned); len(runs) != 1 || runs[scannerID] != 1 {
		t.Fatalf("qr_code_scanned runs by friend %v after replays, want only the scanner's one", runs)
	}
	if got := w.texts(scanner); !contains(got, "Thanks for scanning") || !contains(got, "Welcome, Aiko!") {
		t.Fatalf("the scanner received %q", got)
	}
	// The keyword runs are the two pings: the code's message (which says "QR") is not
	// a keyword message.
	runs := w.runsOf(w.keyword)
	if len(runs) != 2 || runs[scannerID] != 1 || runs[w.friendID(other)] != 1 {
		t.Fatalf("keyword runs by friend %v, want one ping each", runs)
	}
}
