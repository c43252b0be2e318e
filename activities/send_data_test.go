package activities_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/egress"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// receiver is an endpoint that checks what a receiver of send_data must check, the way
// its documentation says, and answers with the statuses it is given in turn (then 200).
type receiver struct {
	key    string
	mu     sync.Mutex
	answer []int
	got    []delivery
}

type delivery struct {
	body, deliveryID, timestamp string
	signatureOK                 bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	timestamp := req.Header.Get("X-Lumo-Timestamp")
	mac := hmac.New(sha256.New, []byte(r.key))
	mac.Write([]byte(timestamp + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	r.mu.Lock()
	r.got = append(r.got, delivery{
		body:        string(body),
		deliveryID:  req.Header.Get("X-Lumo-Delivery-Id"),
		timestamp:   timestamp,
		signatureOK: hmac.Equal([]byte(want), []byte(req.Header.Get("X-Lumo-Signature"))) && req.Method == http.MethodPost && req.Header.Get("Content-Type") == "application/json",
	})
	status := http.StatusOK
	if len(r.answer) > 0 {
		status, r.answer = r.answer[0], r.answer[1:]
	}
	r.mu.Unlock()
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, http.StatusText(status)+"\n  from the receiver")
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

type sendDataFixture struct {
	ctx   context.Context
	store *models.Store
	ws    models.Workspace
	recv  *receiver
	srv   *httptest.Server
	http  *activities.HTTP
}

func newSendDataFixture(t *testing.T, answers ...int) *sendDataFixture {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, testenv.SQLite(t))
	ws, _ := testenv.Workspace(t, store, "acme")
	if _, _, err := store.PutSecret(ctx, ws.ID, "signing", "whsec_test"); err != nil {
		t.Fatal(err)
	}
	recv := &receiver{key: "whsec_test", answer: answers}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	return &sendDataFixture{
		ctx: ctx, store: store, ws: ws, recv: recv, srv: srv,
		http: &activities.HTTP{
			Store: store, Timeout: 2 * time.Second, Now: func() time.Time { return time.Unix(1700000000, 0) },
			// The receivers are httptest servers on loopback, which send_data may reach
			// only when the allow list (LUMO_SEND_DATA_ALLOW) names it.
			Allow: allowList(t, "127.0.0.1"),
		},
	}
}

func allowList(t *testing.T, setting string) egress.AllowList {
	t.Helper()
	allow, err := egress.ParseAllowList(setting)
	if err != nil {
		t.Fatal(err)
	}
	return allow
}

func (f *sendDataFixture) input(path string) activities.SendDataInput {
	return activities.SendDataInput{
		WorkspaceID: f.ws.ID, URL: f.srv.URL + path, Body: []byte(`{"email":"mina@example.com"}`),
		SecretName: "signing", DeliveryID: "0b6a4c1e-2f4d-5c6b-8a9e-0f1e2d3c4b5a",
	}
}

func TestSendData_SignsTimestampDotBody(t *testing.T) {
	f := newSendDataFixture(t)
	res, err := f.http.SendData(f.ctx, f.input("/hook"))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("send = %+v, %v", res, err)
	}
	got := f.recv.deliveries()
	if len(got) != 1 || !got[0].signatureOK || got[0].body != `{"email":"mina@example.com"}` ||
		got[0].timestamp != "1700000000" || got[0].deliveryID != "0b6a4c1e-2f4d-5c6b-8a9e-0f1e2d3c4b5a" {
		t.Fatalf("deliveries = %+v", got)
	}
	// The documented formula, computed independently.
	if sig := activities.SignData("whsec_test", "1700000000", []byte(`{"email":"mina@example.com"}`)); len(sig) != 64 || strings.ToLower(sig) != sig {
		t.Fatalf("signature = %q", sig)
	}
}

func TestSendData_ClassifiesTheAnswers(t *testing.T) {
	cases := []struct {
		status    int
		retryable bool
		delay     time.Duration
	}{
		{http.StatusNoContent, false, 0},
		{http.StatusBadRequest, false, 0},
		{http.StatusUnauthorized, false, 0},
		{http.StatusNotFound, false, 0},
		{http.StatusConflict, false, 0},
		{http.StatusRequestTimeout, true, 0},
		{http.StatusTooManyRequests, true, 7 * time.Second},
		{http.StatusInternalServerError, true, 0},
		{http.StatusBadGateway, true, 0},
		{http.StatusServiceUnavailable, true, 0},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			f := newSendDataFixture(t, tc.status)
			_, err := f.http.SendData(f.ctx, f.input("/hook"))
			switch {
			case tc.status/100 == 2:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			case tc.retryable:
				wantRetryable(t, err)
				appErr := appError(t, err)
				if appErr.Type() != activities.ErrSendDataFailed || appErr.NextRetryDelay() != tc.delay {
					t.Fatalf("err = %v (%s, delay %v)", err, appErr.Type(), appErr.NextRetryDelay())
				}
			default:
				wantNonRetryable(t, "status", err, activities.ErrSendDataRefused)
				if !strings.Contains(err.Error(), strconv.Itoa(tc.status)) || !strings.Contains(err.Error(), "bytes") {
					t.Fatalf("err = %v, want the status and the answer's length", err)
				}
			}
		})
	}
}

func TestSendData_NoAnswerIsRetried(t *testing.T) {
	f := newSendDataFixture(t)
	in := f.input("/hook")
	f.srv.Close()
	_, err := f.http.SendData(f.ctx, in)
	wantRetryable(t, err)
	if appError(t, err).Type() != activities.ErrSendDataFailed {
		t.Fatalf("err = %v", err)
	}
}

func TestSendData_SlowEndpointTimesOutRetryably(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	f := newSendDataFixture(t)
	f.http.Timeout = 100 * time.Millisecond
	in := f.input("")
	in.URL = slow.URL + "/hook?token=secret-in-query"
	_, err := f.http.SendData(f.ctx, in)
	wantRetryable(t, err)
	if strings.Contains(err.Error(), "secret-in-query") {
		t.Fatalf("the URL's query reached the error: %v", err)
	}
}

func TestSendData_FollowsOnlySameHostRedirectsThatKeepTheBody(t *testing.T) {
	other := newSendDataFixture(t) // a second receiver: another host
	f := newSendDataFixture(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hook", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/see-other", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hook", http.StatusSeeOther)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/hook", http.StatusTemporaryRedirect)
	})
	mux.Handle("/hook", f.recv)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	in := f.input("")
	in.URL = srv.URL + "/moved"
	if _, err := f.http.SendData(f.ctx, in); err != nil {
		t.Fatalf("308 to the same host: %v", err)
	}
	if got := f.recv.deliveries(); len(got) != 1 || !got[0].signatureOK || got[0].body == "" {
		t.Fatalf("after a 308: %+v", got)
	}
	for _, path := range []string{"/see-other", "/elsewhere"} {
		in.URL = srv.URL + path
		_, err := f.http.SendData(f.ctx, in)
		wantNonRetryable(t, path, err, activities.ErrSendDataRefused)
		if err != nil && !strings.Contains(err.Error(), "same host") {
			t.Errorf("%s: err = %v", path, err)
		}
	}
	if got := other.recv.deliveries(); len(got) != 0 {
		t.Fatalf("the other host received %+v", got)
	}
	if got := f.recv.deliveries(); len(got) != 1 {
		t.Fatalf("a 303 was followed: %+v", got)
	}
}

func TestSendData_RefusesWithoutCalling(t *testing.T) {
	f := newSendDataFixture(t)
	cases := map[string]func(in *activities.SendDataInput){
		"ftp URL":        func(in *activities.SendDataInput) { in.URL = "ftp://files.example/x" },
		"no host":        func(in *activities.SendDataInput) { in.URL = "https:///x" },
		"not a URL":      func(in *activities.SendDataInput) { in.URL = "http://[::1" },
		"rendered empty": func(in *activities.SendDataInput) { in.URL = "" },
		"body not JSON":  func(in *activities.SendDataInput) { in.Body = []byte("{") },
	}
	for name, change := range cases {
		in := f.input("/hook")
		change(&in)
		_, err := f.http.SendData(f.ctx, in)
		wantNonRetryable(t, name, err, activities.ErrSendDataRefused)
	}
	in := f.input("/hook")
	in.SecretName = "missing"
	_, err := f.http.SendData(f.ctx, in)
	wantNonRetryable(t, "missing secret", err, activities.ErrNotFound)
	if got := f.recv.deliveries(); len(got) != 0 {
		t.Fatalf("refused requests reached the endpoint: %+v", got)
	}
}

// TestSendData_TheAnswerNeverReachesTheError: what an endpoint answers may be anything
// of the network it is in; only its status and length go into the error, and from there
// into the trace, the log and the Temporal history.
func TestSendData_TheAnswerNeverReachesTheError(t *testing.T) {
	const marker = "INTERNAL-SECRET-7f3a"
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusForbidden, http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newSendDataFixture(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if status/100 == 3 {
					w.Header().Set("Location", "https://"+marker+".example/")
				}
				w.WriteHeader(status)
				_, _ = io.WriteString(w, `{"error": "`+marker+`"}`)
			}))
			t.Cleanup(srv.Close)
			in := f.input("")
			in.URL = srv.URL + "/hook"
			_, err := f.http.SendData(f.ctx, in)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), marker) {
				t.Fatalf("the answer reached the error: %v", err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(status)) {
				t.Fatalf("err = %v, want the status", err)
			}
			if status/100 != 3 && !strings.Contains(err.Error(), "33 bytes") {
				t.Fatalf("err = %v, want the answer's length", err)
			}
		})
	}
}

// TestSendData_AnAnswerThatIsNotHTTPIsNotQuoted: net/http quotes the first line of an
// answer it cannot read as HTTP (an SSH or SMTP banner, say) in its error.
func TestSendData_AnAnswerThatIsNotHTTPIsNotQuoted(t *testing.T) {
	const marker = "SSH-2.0-INTERNAL-SECRET-7f3a"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(conn, marker+"\r\n")
			conn.Close()
		}
	}()
	f := newSendDataFixture(t)
	in := f.input("")
	in.URL = "http://" + ln.Addr().String() + "/hook"
	_, err = f.http.SendData(f.ctx, in)
	wantRetryable(t, err)
	if strings.Contains(err.Error(), "INTERNAL-SECRET") || !strings.Contains(err.Error(), "not HTTP") {
		t.Fatalf("err = %v, want it to say the answer was not HTTP, without quoting it", err)
	}
}

// TestSendData_RefusesInternalAddresses: without an allow list, no send_data request
// reaches the worker's own network, whatever the URL calls it.
func TestSendData_RefusesInternalAddresses(t *testing.T) {
	f := newSendDataFixture(t)
	f.http = &activities.HTTP{Store: f.store, Timeout: 2 * time.Second}
	port := f.srv.URL[strings.LastIndex(f.srv.URL, ":")+1:]
	cases := []struct{ url, reason string }{
		{f.srv.URL + "/hook", "loopback"},
		{"http://localhost:" + port + "/hook", "loopback"},
		{"http://[::1]:" + port + "/hook", "loopback"},
		{"http://[::ffff:127.0.0.1]:" + port + "/hook", "loopback"},
		{"http://10.1.2.3:" + port + "/hook", "private"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://100.64.0.1/hook", "carrier-grade NAT"},
	}
	for _, tc := range cases {
		in := f.input("")
		in.URL = tc.url
		_, err := f.http.SendData(f.ctx, in)
		wantNonRetryable(t, tc.url, err, activities.ErrSendDataRefused)
		if err != nil && (!strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "LUMO_SEND_DATA_ALLOW")) {
			t.Errorf("%s: err = %v, want it to say %q and how to allow it", tc.url, err, tc.reason)
		}
	}
	if got := f.recv.deliveries(); len(got) != 0 {
		t.Fatalf("the loopback receiver got %+v", got)
	}
}

// TestSendData_ARedirectToLoopbackIsRefused: the receiver is allowed by name, and
// redirects to loopback by address, which the allow list does not name.
func TestSendData_ARedirectToLoopbackIsRefused(t *testing.T) {
	f := newSendDataFixture(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, f.srv.URL+"/hook", http.StatusPermanentRedirect)
	}))
	t.Cleanup(redirector.Close)
	f.http = &activities.HTTP{Store: f.store, Timeout: 2 * time.Second, Allow: allowList(t, "localhost")}
	in := f.input("")
	in.URL = strings.Replace(redirector.URL, "127.0.0.1", "localhost", 1) + "/moved"
	_, err := f.http.SendData(f.ctx, in)
	wantNonRetryable(t, "redirect", err, activities.ErrSendDataRefused)
	if got := f.recv.deliveries(); len(got) != 0 {
		t.Fatalf("the redirect reached loopback: %+v", got)
	}
}

func TestSendData_RefusesCredentialsInTheURL(t *testing.T) {
	f := newSendDataFixture(t)
	for _, userinfo := range []string{"user:hunter2@", "hunter2@", ":hunter2@"} {
		in := f.input("/hook")
		in.URL = strings.Replace(in.URL, "http://", "http://"+userinfo, 1)
		_, err := f.http.SendData(f.ctx, in)
		wantNonRetryable(t, userinfo, err, activities.ErrSendDataRefused)
		if err != nil && (!strings.Contains(err.Error(), "credentials") || strings.Contains(err.Error(), "hunter2")) {
			t.Errorf("%s: err = %v, want a refusal that does not repeat them", userinfo, err)
		}
	}
	if got := f.recv.deliveries(); len(got) != 0 {
		t.Fatalf("a URL with credentials was called: %+v", got)
	}
}

// TestSendData_ChecksTheRenderedURLAgainstTheStep: the activity does not trust the
// rendering it is given; the URL must be the step's URL with only its path segments and
// query values filled in.
func TestSendData_ChecksTheRenderedURLAgainstTheStep(t *testing.T) {
	f := newSendDataFixture(t)
	host := strings.TrimPrefix(f.srv.URL, "http://")
	cases := []struct{ name, template, url, want string }{
		{"another host", "https://hooks.example/u/{{friend.fields.site}}", f.srv.URL + "/u/x", "host"},
		{"another port", "http://" + host + "/u", "http://" + strings.Split(host, ":")[0] + ":1/u", "host"},
		{"a template in the host", "https://{{friend.fields.site}}/u", f.srv.URL + "/u", "scheme, host and port"},
		{"a step's URL that is a template", "{{friend.fields.site}}", f.srv.URL + "/hook", "scheme, host and port"},
		{"dot segments", "https://" + host + "/u/{{friend.fields.site}}/x", "https://" + host + "/u/..%2F..%2Fadmin/x", ". or .."},
		{"a dot-dot segment", "https://" + host + "/u/{{friend.fields.site}}/x", "https://" + host + "/u/../x", ". or .."},
		{"a fragment", "", f.srv.URL + "/hook#x", "fragment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input("")
			in.URLTemplate, in.URL = tc.template, tc.url
			_, err := f.http.SendData(f.ctx, in)
			wantNonRetryable(t, tc.name, err, activities.ErrSendDataRefused)
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
	if got := f.recv.deliveries(); len(got) != 0 {
		t.Fatalf("refused requests reached the endpoint: %+v", got)
	}
	// The step's URL rendered as it should be is sent.
	in := f.input("")
	in.URLTemplate, in.URL = f.srv.URL+"/hook", f.srv.URL+"/hook"
	if _, err := f.http.SendData(f.ctx, in); err != nil {
		t.Fatal(err)
	}
}

func TestAutoMessages_GetReadsTheLatestAndGoneIsNotRetried(t *testing.T) {
	ctx := context.Background()
	store := testenv.Store(t, testenv.SQLite(t))
	ws, _ := testenv.Workspace(t, store, "acme")
	other, _ := testenv.Workspace(t, store, "other")
	m, err := store.CreateAutoMessage(ctx, ws.ID, models.AutoMessageInput{Name: "Promo", Messages: []byte(`[{"type":"text","text":"Hi"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.AutoMessages{Store: store}
	got, err := a.Get(ctx, activities.AutoMessageRef{WorkspaceID: ws.ID, AutoMessageID: m.ID})
	if err != nil || got.Name != "Promo" || !sameJSON(got.Messages, []byte(`[{"type":"text","text":"Hi"}]`)) {
		t.Fatalf("get = %+v, %v", got, err)
	}
	_, err = a.Get(ctx, activities.AutoMessageRef{WorkspaceID: other.ID, AutoMessageID: m.ID})
	wantNonRetryable(t, "another workspace's", err, activities.ErrNotFound)
	if err := store.DeleteAutoMessage(ctx, ws.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	_, err = a.Get(ctx, activities.AutoMessageRef{WorkspaceID: ws.ID, AutoMessageID: m.ID})
	wantNonRetryable(t, "deleted", err, activities.ErrNotFound)
}
