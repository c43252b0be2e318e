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
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/models"
)

// Error types of the send_data activity.
const (
	// ErrSendDataRefused: the request cannot succeed as it is (an answer other than 2xx,
	// 408, 429 or 5xx; a redirect; a URL that is not http or https): retrying cannot help.
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

// SendDataInput is one signed POST of a send_data step, rendered: the body is final.
type SendDataInput struct {
	WorkspaceID string
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

// SendDataResult says how the endpoint answered.
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
// An HTTP is safe for concurrent use; set Store.
type HTTP struct {
	Store *models.Store
	// HTTPClient carries the requests; nil means http.DefaultClient. Its redirect policy
	// is replaced: only 307 and 308 redirects to the same scheme and host are followed
	// (they keep the method and the signed body); any other redirect is the answer.
	HTTPClient *http.Client
	// Timeout bounds each request; zero means DefaultSendDataTimeout.
	Timeout time.Duration
	// Now is the clock of X-Lumo-Timestamp; nil means time.Now.
	Now func() time.Time
}

// SendData POSTs in.Body to in.URL, signed with the workspace secret in.SecretName.
// A 2xx answer is success; 408, 429 (after its Retry-After), 5xx, timeouts and lost
// connections are retryable ErrSendDataFailed errors; everything else is a
// non-retryable ErrSendDataRefused, and a secret the workspace lacks is a non-retryable
// ErrNotFound.
func (h *HTTP) SendData(ctx context.Context, in SendDataInput) (SendDataResult, error) {
	target, err := checkDataURL(in.URL)
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
	if err != nil {
		// No answer: refused, reset, or the timeout. The receiver may have acted on it;
		// the delivery ID lets it drop the retry.
		return SendDataResult{}, temporal.NewApplicationError(fmt.Sprintf("send data to %s: %v", displayURL(target), unwrapURLError(err)), ErrSendDataFailed)
	}
	defer res.Body.Close()
	snippet := readSnippet(res.Body)
	if res.StatusCode/100 == 2 {
		return SendDataResult{Status: res.StatusCode}, nil
	}

	msg := fmt.Sprintf("send data to %s: %d %s", displayURL(target), res.StatusCode, http.StatusText(res.StatusCode))
	if loc := res.Header.Get("Location"); res.StatusCode/100 == 3 && loc != "" {
		msg += " to " + loc + " (only 307 and 308 redirects to the same host are followed; point the step at the final URL)"
	} else if snippet != "" {
		msg += ": " + snippet
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

// checkDataURL parses a rendered send_data URL: absolute http or https, with a host.
// (A {{…}} URL gets its final form only at run time, so this is checked here again.)
func checkDataURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("the URL %q is not a URL", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("the URL %q is not http:// or https://", displayURL(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("the URL %q has no host", displayURL(u))
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

func (h *HTTP) client() *http.Client {
	base := http.DefaultClient
	if h.HTTPClient != nil {
		base = h.HTTPClient
	}
	c := *base
	c.CheckRedirect = sameHostRedirect
	return &c
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

// readSnippet reads the start of an answer for the error message, as one line, and
// drains a little more so the connection can be reused.
func readSnippet(body io.Reader) string {
	raw, _ := io.ReadAll(io.LimitReader(body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	text := strings.Join(strings.Fields(string(bytes.ToValidUTF8(raw, nil))), " ")
	if len(raw) == 512 {
		text += "…"
	}
	return text
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
