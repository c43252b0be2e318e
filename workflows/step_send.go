package workflows

import (
	"encoding/json"
	"errors"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// sendMessageStep sends the node's messages, free through the Reply API when the run
// holds a fresh reply token, else by push.
func sendMessageStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	n := node.(*definition.SendMessage)
	out := j.sendMessages(ctx, n.ID, n.Messages)
	if out.err != nil {
		return out
	}
	next := follow(node, "next")
	next.lineAPI, next.messages = out.lineAPI, out.messages
	return next
}

// sendMessages renders messages for this friend and sends them. The outcome carries
// which API sent them and how many, or the error.
func (j *journey) sendMessages(ctx workflow.Context, nodeID string, messages []definition.Message) stepOutcome {
	values, err := j.templateValues(ctx, messages)
	if err != nil {
		return failedOutcome(err)
	}
	rendered, err := renderMessages(messages, values)
	if err != nil {
		return failedOutcome(temporal.NewNonRetryableApplicationError(err.Error(), "RenderFailed", nil))
	}

	var result activities.SendResult
	if token := j.takeFreshReplyToken(ctx); token != "" {
		reply := activities.ReplyInput{Recipient: j.in.Friend, ReplyToken: token, Messages: rendered}
		var err error
		if j.has(ctx, changeReplyAsActivity) {
			err = workflow.ExecuteActivity(replyOptions(ctx), activities.LineReplyName, reply).Get(ctx, &result)
		} else {
			err = workflow.ExecuteLocalActivity(lineOptions(ctx), activities.LineReplyName, reply).Get(ctx, &result)
		}
		switch {
		case err == nil:
			return stepOutcome{lineAPI: result.API, messages: result.Messages}
		case temporal.IsCanceledError(err):
			return failedOutcome(err)
		case isErrorType(err, activities.ErrLineRejected) || isErrorType(err, activities.ErrLineQuotaExceeded):
			return failedOutcome(err)
		case !isErrorType(err, activities.ErrReplyTokenInvalid):
			// The reply kept failing (LINE down, the worker gone) until the token's minute
			// was up. No attempt found the token used, so none got through: push, keyed,
			// rather than fail the run. Before this change such a run failed.
			if !j.has(ctx, changeReplyFailurePushes) {
				return failedOutcome(err)
			}
		case replyAttempt(err) > 1:
			// An earlier attempt may have been delivered before its answer was lost, and
			// used the token: the Reply API has no retry key to ask with. Pushing now
			// could send the messages twice, so count them as sent by reply.
			return stepOutcome{lineAPI: "reply", messages: len(rendered)}
		}
		// The token had expired or was used before this step: push instead.
	}
	err = workflow.ExecuteLocalActivity(lineOptions(ctx), activities.LinePushName, activities.PushInput{
		Recipient: j.in.Friend,
		Messages:  rendered,
		RetryKey:  j.retryKey(ctx, nodeID),
	}).Get(ctx, &result)
	if err != nil {
		return failedOutcome(err)
	}
	return stepOutcome{lineAPI: result.API, messages: result.Messages}
}

// takeFreshReplyToken returns the run's reply token if it is young enough to use, and
// forgets it either way: a token works once.
func (j *journey) takeFreshReplyToken(ctx workflow.Context) string {
	token := j.replyToken
	j.replyToken = nil
	if token == nil || token.Token == "" || workflow.Now(ctx).Sub(token.ReceivedAt) > j.limits.ReplyWindow {
		return ""
	}
	return token.Token
}

// replyAttempt is the attempt number a ReplyTokenInvalid error carries (1 when absent).
func replyAttempt(err error) int32 {
	var appErr *temporal.ApplicationError
	var attempt int32 = 1
	if errors.As(err, &appErr) && appErr.HasDetails() {
		_ = appErr.Details(&attempt)
	}
	return attempt
}

func isErrorType(err error, errType string) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == errType
}

// templateValues gathers what {{…}} names in messages refer to: the friend's profile and
// fields (read fresh only when a message names friend.…), the trigger and the vars.
func (j *journey) templateValues(ctx workflow.Context, messages []definition.Message) (func(string) (string, bool), error) {
	raw, err := json.Marshal(messages)
	if err != nil {
		return nil, err
	}
	var friend *activities.FriendSnapshot
	if strings.Contains(string(raw), "friend.") {
		snapshot, err := j.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		friend = &snapshot
	}
	return j.lookup(friend, nil), nil
}

// lookup resolves template names; answer, when not nil, is {{answer}}.
func (j *journey) lookup(friend *activities.FriendSnapshot, answer *string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		switch {
		case name == "answer" && answer != nil:
			return *answer, true
		case strings.HasPrefix(name, "trigger."):
			v, ok := j.in.Trigger[strings.TrimPrefix(name, "trigger.")]
			return v, ok
		case strings.HasPrefix(name, "vars."):
			v, ok := j.in.Vars[strings.TrimPrefix(name, "vars.")]
			return v, ok
		case friend == nil:
			return "", false
		case strings.HasPrefix(name, "friend.fields."):
			v, ok := friend.Fields[strings.TrimPrefix(name, "friend.fields.")]
			if !ok || v == nil {
				return "", false
			}
			return formatValue(v), true
		}
		switch name {
		case "friend.displayName":
			return friend.DisplayName, true
		case "friend.lineUserId":
			return friend.LineUserID, true
		case "friend.pictureUrl":
			return friend.PictureURL, true
		case "friend.language":
			return friend.Language, true
		}
		return "", false
	}
}

// snapshot reads the friend's profile, tags and fields as they are now.
func (j *journey) snapshot(ctx workflow.Context) (activities.FriendSnapshot, error) {
	var snapshot activities.FriendSnapshot
	err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.FriendsSnapshotName, j.friendRef()).Get(ctx, &snapshot)
	return snapshot, err
}

func (j *journey) friendRef() activities.FriendRef {
	return activities.FriendRef{WorkspaceID: j.in.WorkspaceID, FriendID: j.in.Friend.FriendID}
}
