package workflows

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// sendAutoMessageStep sends a saved auto message as it is now (an edit reaches every
// later send), the way a send_message step sends its own messages: rendered for the
// friend, free by reply when the run holds a fresh reply token, else pushed with a
// retry key. An auto message that is gone fails the step.
func sendAutoMessageStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	n := node.(*definition.SendAutoMessage)
	var saved activities.AutoMessageContent
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.AutoMessagesGetName, activities.AutoMessageRef{
		WorkspaceID:   j.in.WorkspaceID,
		AutoMessageID: n.AutoMessageID,
	}).Get(ctx, &saved)
	if err != nil {
		return failedOutcome(err)
	}
	var messages []definition.Message
	if err := json.Unmarshal(saved.Messages, &messages); err != nil || len(messages) == 0 {
		return failedOutcome(temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("auto message %s has no messages this engine can read", n.AutoMessageID), "RenderFailed", err))
	}
	out := j.sendMessages(ctx, n.ID, messages)
	if out.err != nil {
		return out
	}
	next := follow(node, "next")
	next.lineAPI, next.messages = out.lineAPI, out.messages
	return next
}
