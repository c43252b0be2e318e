package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// questionStep asks, waits up to the timeout for the friend's reply, checks it against
// the answer type, saves it, and takes next, invalid or timedOut.
func questionStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	q := node.(*definition.Question)
	started := workflow.Now(ctx)
	// The friend awaits an answer once asked: the trace and the executions row say so,
	// which is how the webhook's inbox routes their next message here. Since
	// changeWaitBeforeAsking they say so before the question goes out, so that even an
	// instant answer finds the question waiting.
	awaitAnswer := func() {
		j.markWaiting(ctx, node, started, "answer to "+q.ID)
		j.updateExecution(ctx, statusRunning, q.ID, "")
	}
	waitFirst := j.has(ctx, changeWaitBeforeAsking)
	if waitFirst {
		awaitAnswer()
	}
	sent := j.sendMessages(ctx, q.ID, []definition.Message{withChoices(q.Message, q.Answer)})
	if sent.err != nil {
		return sent
	}
	if !waitFirst {
		awaitAnswer()
	}

	reply, answered, err := j.awaitReply(ctx, q.TimeoutDuration(), "waiting for answer to "+q.ID)
	j.waiting = ""
	outcome := func(o stepOutcome) stepOutcome {
		o.lineAPI, o.messages = sent.lineAPI, sent.messages
		return o
	}
	switch {
	case err != nil:
		return outcome(failedOutcome(err))
	case !answered:
		return outcome(follow(node, "timedOut"))
	}
	value, valid := checkAnswer(q.Answer, reply.answerText())
	if !valid {
		return outcome(follow(node, "invalid"))
	}
	if err := j.saveAnswer(ctx, q.SaveTo, value); err != nil {
		return outcome(failedOutcome(err))
	}
	return outcome(follow(node, "next"))
}

// awaitReply waits for the friend's next reply or the timeout, whichever comes first.
// The timer is cancelled when the reply wins, so a parked run leaves no timer behind.
func (j *journey) awaitReply(ctx workflow.Context, timeout time.Duration, summary string) (Reply, bool, error) {
	if len(j.pending) > 0 {
		reply := j.pending[0]
		j.pending = j.pending[1:]
		return reply, true, nil
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimerWithOptions(timerCtx, timeout, workflow.TimerOptions{Summary: summary})

	var (
		reply    Reply
		answered bool
	)
	selector := workflow.NewSelector(ctx)
	selector.AddReceive(j.replies, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &reply)
		answered = true
	})
	selector.AddFuture(timer, func(workflow.Future) {})
	selector.Select(ctx)
	if ctx.Err() != nil {
		return Reply{}, false, temporal.NewCanceledError()
	}
	if answered && reply.ReplyToken != "" {
		j.replyToken = &ReplyToken{Token: reply.ReplyToken, ReceivedAt: reply.ReceivedAt}
	}
	return reply, answered, nil
}

// answerText is what a reply says: its text, or a postback's data.
func (r Reply) answerText() string {
	if r.Text != "" {
		return r.Text
	}
	return r.Postback
}

// withChoices gives a choice question's message quick-reply buttons for its choices,
// unless the message brings its own.
func withChoices(m definition.Message, answer definition.Answer) definition.Message {
	if answer.Type != definition.AnswerChoice || m.QuickReply != nil || len(answer.Choices) == 0 {
		return m
	}
	items := make([]definition.QuickReplyItem, 0, len(answer.Choices))
	for _, choice := range answer.Choices {
		items = append(items, definition.QuickReplyItem{
			Type:   "action",
			Action: definition.Action{Type: definition.ActionMessage, Label: choice, Text: choice},
		})
	}
	m.QuickReply = &definition.QuickReply{Items: items}
	return m
}

// saveAnswer puts a valid answer where the question says: a friend field, a tag, or a
// tag with a prefix that replaces the friend's earlier answer.
func (j *journey) saveAnswer(ctx workflow.Context, to definition.SaveTo, value any) error {
	text := formatValue(value)
	ctx = dbOptions(ctx)
	switch {
	case to.Field != "":
		return workflow.ExecuteLocalActivity(ctx, activities.FriendsSetFieldName, activities.SetFieldInput{
			Friend: j.friendRef(), Field: to.Field, Value: value,
		}).Get(ctx, nil)
	case to.Tag != "":
		tag := definition.Render(to.Tag, j.lookup(nil, &text))
		return workflow.ExecuteLocalActivity(ctx, activities.FriendsAddTagsName, activities.TagsInput{
			Friend: j.friendRef(), Tags: []string{tag},
		}).Get(ctx, nil)
	case to.TagPrefix != "":
		return workflow.ExecuteLocalActivity(ctx, activities.FriendsAddTagsName, activities.TagsInput{
			Friend: j.friendRef(), Tags: []string{to.TagPrefix + text}, RemovePrefix: to.TagPrefix,
		}).Get(ctx, nil)
	}
	return nil
}
