package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/definition"
)

// delayStep waits for the node's duration on a durable timer.
func delayStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	d := node.(*definition.Delay)
	j.markWaiting(ctx, node, workflow.Now(ctx), "delay "+d.Duration)
	err := workflow.NewTimerWithOptions(ctx, d.DurationValue(), workflow.TimerOptions{Summary: "delay " + d.Duration + " at " + d.ID}).Get(ctx, nil)
	j.waiting = ""
	if err != nil || ctx.Err() != nil {
		return failedOutcome(temporal.NewCanceledError())
	}
	return follow(node, "next")
}
