package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/internal/egress"
	"github.com/lumoworkflows/lumo/models"
)

// Error types of the send_data activity.
const (
	// ErrSendDataRefused: the request cannot succeed as it is (an answer other than 2xx,
	// 408, 429 or 5xx; a redirect; a URL that breaks the step's URL rules or leads to an
	// internal address): retrying cannot help.
	ErrSendDataRefused = "SendDataRefused"
	// ErrSendDataFailed: the endpoint failed for now (408, 429, 5xx, a timeout, a lost
	// connection); Temporal tries again.
	ErrSendDataFailed = "SendDataFailed"
)

// Headers of a send_data request; definition.SendData documents what is signed.
const (
	HeaderSignature  = "X-Lumo-Signature"
	HeaderTimestamp  = "X-Lumo-Timestamp"
	HeaderDeliveryID = "X-Lumo-Delivery-Id"
)

// DefaultSendDataTimeout bounds one request when HTTP.Timeout is zero: below the 30 s
// StartToClose the step gives the activity, so a slow endpoint ends in our error, with
// the URL in it, rather than in Temporal's timeout.
const DefaultSendDataTimeout = 25 * time.Second

// maxRedirects bounds the same-host redirects one request follows.
const maxRedirects = 5

// maxDrain bounds how much of an answer is read (and thrown away) so the connection can
// be reused.
const maxDrain = 64 << 10

// SendDataInput is one signed POST of a send_data step, rendered: the body is final.
type SendDataInput struct {
	WorkspaceID string
	// URLTemplate is the step's URL as written, and URL is it rendered: the activity
	// checks both against the step's URL rules and that they have the same scheme, host
	// and port. (Activities scheduled before URLTemplate existed have it empty.)
	URLTemplate string
	URL         string
	// Body is the JSON object to send, byte for byte as it is signed.
	Body json.RawMessage
	// SecretName names the workspace secret whose value is the HMAC key; the value is
	// read at each attempt and never enters the workflow's history.
	SecretName string
	// DeliveryID is the same for every attempt of one visit to the step, so the receiver
	// can drop repeats.
	DeliveryID string
}

// SendDataResult says how the endpoint answered: its status, never its body.
type SendDataResult struct {
	Status int
}

// HTTP holds the activities that call endpoints a workspace names: send_data's signed
// POST.
//
// SendData is meant to run as a regular activity, not a local one. The endpoint is
// anybody's, of unknown latency: waiting up to 30 s on it inside a local activity would
// hold the journey's workflow task (and its heartbeat) that long, while a regular
// activity holds only an activity slot, on any worker. Its retries then wait on the
// Temporal server, and each attempt is visible in the Web UI, with its error, as the
// endpoint's owner will want to see when their server was down.
//
// The endpoint is named by a workspace, so the requests go through an egress transport:
// they connect only to public addresses, or to what Allow names, and use no proxy. Only
// 307 and 308 redirects to the same scheme and host are followed (they keep the method
// and the signed body), and they are checked again when they connect; any other
// redirect is the answer. Of an answer, only the status and the length are reported:
// the body, which may be anything of the network the endpoint is in, never reaches an
// error, a trace, a log or the Temporal history.
//
// An HTTP is safe for concurrent use; set Store.
type HTTP struct {
	Store *models.Store
	// Allow names the internal hosts and networks the requests may reach
	// (LUMO_SEND_DATA_ALLOW); the zero value allows none.
	Allow egress.AllowList
	// Timeout bounds each request; zero means DefaultSendDataTimeout.
	Timeout time.Duration
	// Now is the clock of X-Lumo-Timestamp; nil means time.Now.
	Now func() time.Time

	clientOnce sync.Once
	httpClient *http.Client
}

// SendData POSTs in.Body to in.URL, signed with the workspace secret in.SecretName.
// A 2xx answer is success; 408, 429 (after its Retry-After), 5xx, timeouts and lost
// connections are retryable ErrSendDataFailed errors; everything else is a
// non-retryable ErrSendDataRefused, and a secret the workspace lacks is a non-retryable
// ErrNotFound.
func (h *HTTP) SendData(ctx context.Context, in SendDataInput) (SendDataResult, error) {
	target, err := checkDataURL(in.URLTemplate, in.URL)
	if err != nil {
		return SendDataResult{}, temporal.NewNonRetryableApplicationError("send data: "+err.Error(), ErrSendDataRefused, nil)
	}
	if !json.Valid(in.Body) {
		return SendDataResult{}, temporal.NewNonRetryableApplicationError("send data: the body is not JSON", ErrSendDataRefused, nil)
	}
	key, err := h.Store.OpenSecret(ctx, in.WorkspaceID, in.SecretName)
	if errors.Is(err, models.ErrNotFound) {
		return SendDataResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("send data: the workspace has no secret %q to sign with", in.SecretName), ErrNotFound, nil)
	}
	if err != nil {
		return SendDataResult{}, fmt.Errorf("send data: read secret %q: %w", in.SecretName, err)
	}

	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultSendDataTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(in.Body))
	if err != nil {
		return SendDataResult{}, temporal.NewNonRetryableApplicationError("send data: "+err.Error(), ErrSendDataRefused, nil)
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	timestamp := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lumo-Workflows (send_data)")
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderSignature, "sha256="+SignData(key, timestamp, in.Body))
	req.Header.Set(HeaderDeliveryID, in.DeliveryID)

	res, err := h.client().Do(req)
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		return SendDataResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"send data to %s: refused to connect to %s; the worker reaches internal hosts only when LUMO_SEND_DATA_ALLOW names them",
			displayURL(target), refused.Reason), ErrSendDataRefused, nil)
	}
	if err != nil {
		// No answer: refused, reset, or the timeout. The receiver may have acted on it;
		// the delivery ID lets it drop the retry.
		return SendDataResult{}, temporal.NewApplicationError(fmt.Sprintf("send data to %s: %s", displayURL(target), connectionProblem(err)), ErrSendDataFailed)
	}
	defer res.Body.Close()
	size := answerSize(res.Body)
	if res.StatusCode/100 == 2 {
		return SendDataResult{Status: res.StatusCode}, nil
	}

	msg := fmt.Sprintf("send data to %s: %d %s", displayURL(target), res.StatusCode, http.StatusText(res.StatusCode))
	if res.StatusCode/100 == 3 {
		// Where it points is the endpoint's to say, like its body: not repeated.
		msg += ", a redirect (only 307 and 308 redirects to the same host are followed; point the step at the final URL)"
	} else {
		msg += fmt.Sprintf(" (an answer of %s, not shown)", size)
	}
	if attempt := attemptOf(ctx); attempt > 1 {
		msg += fmt.Sprintf(" (attempt %d)", attempt)
	}
	switch code := res.StatusCode; {
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return SendDataResult{}, temporal.NewApplicationErrorWithOptions(msg, ErrSendDataFailed, temporal.ApplicationErrorOptions{
			NextRetryDelay: retryAfter(res.Header.Get("Retry-After"), time.Now()),
		})
	default:
		return SendDataResult{}, temporal.NewNonRetryableApplicationError(msg, ErrSendDataRefused, nil)
	}
}

// SignData is the value of X-Lumo-Signature after "sha256=": the lowercase hex
// HMAC-SHA256, under key, of the timestamp, a full stop and the body.
func SignData(key, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// checkDataURL parses a rendered send_data URL and checks it, and the step's URL it was
// rendered from, against the rules of definition.DataURLProblem: a definition frozen
// before those rules, or a rendering that went wrong, must not send a friend's data
// elsewhere. The two must have the same scheme, host and port.
func checkDataURL(template, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("the URL rendered empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Not repeated: it may hold a token, or what a friend typed.
		return nil, errors.New("the URL is not a URL")
	}
	if problem := definition.DataURLProblem(raw); problem != "" {
		return nil, fmt.Errorf("the URL %s %s", displayURL(u), problem)
	}
	if template == "" {
		return u, nil
	}
	if problem := definition.DataURLProblem(template); problem != "" {
		return nil, fmt.Errorf("the step's URL %s", problem)
	}
	origin, err := url.Parse(definition.RenderDataURL(template, func(string) (string, bool) { return "", true }))
	if err != nil {
		return nil, errors.New("the step's URL is not a URL")
	}
	if !strings.EqualFold(origin.Scheme, u.Scheme) || !strings.EqualFold(origin.Host, u.Host) {
		return nil, fmt.Errorf("the URL %s is not on the step's host %s://%s", displayURL(u), origin.Scheme, origin.Host)
	}
	return u, nil
}

// displayURL is u for messages and traces: without its user info and query, where
// endpoints that take a token in the URL keep it.
func displayURL(u *url.URL) string {
	shown := *u
	shown.User, shown.RawQuery, shown.ForceQuery, shown.Fragment = nil, "", false, ""
	return shown.String()
}

// client is built once, so connections to an endpoint are pooled across requests.
func (h *HTTP) client() *http.Client {
	h.clientOnce.Do(func() {
		h.httpClient = &http.Client{Transport: egress.NewTransport(h.Allow), CheckRedirect: sameHostRedirect}
	})
	return h.httpClient
}

// sameHostRedirect follows a redirect only when it keeps the request as it was signed
// (307 and 308 resend the method and body; 301, 302 and 303 would turn the POST into a
// GET without a body) and goes to the same scheme and host: the payload and its
// signature are for the endpoint the marketer named, never for a host it points to.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) > maxRedirects,
		req.Response == nil,
		req.Response.StatusCode != http.StatusTemporaryRedirect && req.Response.StatusCode != http.StatusPermanentRedirect,
		!strings.EqualFold(req.URL.Host, first.Host),
		req.URL.Scheme != first.Scheme:
		return http.ErrUseLastResponse
	}
	return nil
}

// answerSize reads an answer (up to maxDrain, so the connection can be reused) and
// says how long it was: the one thing about its body that is reported.
func answerSize(body io.Reader) string {
	n, _ := io.Copy(io.Discard, io.LimitReader(body, maxDrain+1))
	if n > maxDrain {
		return fmt.Sprintf("more than %d bytes", maxDrain)
	}
	return fmt.Sprintf("%d bytes", n)
}

// connectionProblem says why a request got no answer. net/http quotes the first line of
// an answer it cannot read as HTTP, which is the endpoint's to say, like a body: that
// is summed up, not repeated.
func connectionProblem(err error) string {
	err = unwrapURLError(err)
	if strings.Contains(err.Error(), "malformed HTTP") {
		return "the answer was not HTTP"
	}
	return err.Error()
}

// unwrapURLError drops net/http's "Post \"url\": " prefix, which would repeat the URL
// (secrets in its query included).
func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

func attemptOf(ctx context.Context) int32 {
	if activity.IsActivity(ctx) {
		return activity.GetInfo(ctx).Attempt
	}
	return 1
}
