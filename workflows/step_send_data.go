package workflows

import (
	"encoding/json"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// sendDataStep POSTs the node's payload, rendered for the friend, to its URL, signed with
// the workspace secret it names. The URL's values are percent-encoded as they are filled
// in, and the activity gets the URL as written too, to check the rendering against it. The delivery ID is the run's, node's and visit's, so
// every attempt of this send carries the same one and the receiver can drop repeats.
func sendDataStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	n := node.(*definition.SendData)
	var friend *activities.FriendSnapshot
	if len(n.Payload) == 0 || mentionsFriend(n) {
		snapshot, err := j.snapshot(ctx)
		if err != nil {
			return failedOutcome(err)
		}
		friend = &snapshot
	}
	lookup := j.lookup(friend, nil)
	body, err := sendDataBody(n, lookup, friend, j.in.Trigger)
	if err != nil {
		return failedOutcome(temporal.NewNonRetryableApplicationError(err.Error(), "RenderFailed", nil))
	}
	err = workflow.ExecuteActivity(sendDataOptions(ctx), activities.HTTPSendDataName, activities.SendDataInput{
		WorkspaceID: j.in.WorkspaceID,
		URLTemplate: n.URL,
		URL:         definition.RenderDataURL(n.URL, lookup),
		Body:        body,
		SecretName:  n.SigningSecret(),
		DeliveryID:  j.retryKey(ctx, n.ID),
	}).Get(ctx, nil)
	if err != nil {
		return failedOutcome(err)
	}
	return follow(node, "next")
}

// sendDataOptions: an endpoint of unknown latency gets 30 s an attempt and, when it is
// down or busy (408, 429, 5xx, no answer), up to 10 attempts with backoff within an
// hour; an answer that says no is not asked again.
func sendDataOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			MaximumAttempts:        10,
			NonRetryableErrorTypes: []string{activities.ErrSendDataRefused, activities.ErrNotFound},
		},
	})
}

// mentionsFriend tells whether the URL or a payload value names friend.….
func mentionsFriend(n *definition.SendData) bool {
	if strings.Contains(n.URL, "friend.") {
		return true
	}
	for _, v := range n.Payload {
		if strings.Contains(v, "friend.") {
			return true
		}
	}
	return false
}

// sendDataBody is the JSON object a send_data step sends: its payload rendered, or,
// without one, the friend and the trigger's properties.
func sendDataBody(n *definition.SendData, lookup func(string) (string, bool), friend *activities.FriendSnapshot, trigger map[string]string) (json.RawMessage, error) {
	if len(n.Payload) > 0 {
		rendered := make(map[string]string, len(n.Payload))
		for k, v := range n.Payload {
			rendered[k] = definition.Render(v, lookup)
		}
		return json.Marshal(rendered)
	}
	type friendJSON struct {
		ID          string `json:"id"`
		LineUserID  string `json:"lineUserId"`
		DisplayName string `json:"displayName"`
	}
	body := struct {
		Friend  friendJSON        `json:"friend"`
		Trigger map[string]string `json:"trigger"`
	}{Trigger: trigger}
	if friend != nil {
		body.Friend = friendJSON{ID: friend.ID, LineUserID: friend.LineUserID, DisplayName: friend.DisplayName}
	}
	if body.Trigger == nil {
		body.Trigger = map[string]string{}
	}
	return json.Marshal(body)
}
