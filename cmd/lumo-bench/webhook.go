package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

// followEvent is a friend adding the account, with the reply token LINE would issue.
func (e *env) followEvent(userID string) map[string]any {
	return linefake.FollowEvent(userID, e.channel.IssueReplyToken(userID, time.Minute))
}

// textEvent is a friend's text message, with its reply token.
func (e *env) textEvent(userID, text string) map[string]any {
	return linefake.TextEvent(userID, e.channel.IssueReplyToken(userID, time.Minute), text)
}

// postSigned delivers a callback body to url signed as LINE signs it (base64 of the
// HMAC-SHA256 of the body under the channel secret, in x-line-signature) and returns
// the status and how long the answer took.
func (e *env) postSigned(ctx context.Context, url string, body []byte) (int, time.Duration, error) {
	req, err := linefake.WebhookRequest(ctx, url, channelSecret, body)
	if err != nil {
		return 0, 0, err
	}
	started := time.Now()
	res, err := e.http.Do(req)
	if err != nil {
		return 0, time.Since(started), err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, time.Since(started), nil
}

// lumoWebhookURL is the account's LINE webhook on the API.
func (e *env) lumoWebhookURL() string { return e.api.URL + "/webhooks/line/" + e.account }

// deliver posts events to Lumo's webhook and fails unless it answers 200.
func (e *env) deliver(ctx context.Context, events ...map[string]any) (time.Duration, error) {
	status, took, err := e.postSigned(ctx, e.lumoWebhookURL(), linefake.CallbackBody(events...))
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("webhook answered %d", status)
	}
	return took, err
}

// activeWorkflow saves a workflow definition through the API (the account's ID is put
// in) and activates it, returning its ID.
func (e *env) activeWorkflow(ctx context.Context, def map[string]any) (string, error) {
	def["lineAccountId"] = e.account
	var created struct{ ID string }
	if err := e.callAPI(ctx, http.MethodPost, "/v1/workflows", def, http.StatusCreated, &created); err != nil {
		return "", err
	}
	if err := e.callAPI(ctx, http.MethodPost, "/v1/workflows/"+created.ID+"/activate", nil, http.StatusOK, nil); err != nil {
		return "", err
	}
	return created.ID, nil
}

// callAPI sends one API request with the workspace's key and decodes the answer into
// out, failing unless the status is want.
func (e *env) callAPI(ctx context.Context, method, path string, body any, want int, out any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.api.URL+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.apiKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
