package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/definition"
)

// ExitSignal tells a run that an exit event happened to its friend (Exit.Event is one
// of definition.ExitOn*); the run ends as ejected if its workflow's settings.exitOn
// names the event, and ignores it otherwise.
const ExitSignal = "exit"

// Exit is the exit signal's payload.
type Exit struct {
	Event string
}

// listenForExit waits for exit signals and ends the run (by cancelling its context,
// exit) on the first whose event the workflow's settings name. An incoming message
// while a question waits is the answer, not an exit: the reply signal carries it.
func (j *journey) listenForExit(ctx workflow.Context, exit workflow.CancelFunc) {
	signals := workflow.GetSignalChannel(ctx, ExitSignal)
	for {
		var e Exit
		if !signals.Receive(ctx, &e) {
			return
		}
		if !slices.Contains(j.def.Settings.ExitOn, e.Event) {
			continue
		}
		if e.Event == definition.ExitOnIncomingMessage && j.kind == definition.KindQuestion && j.waiting != "" {
			continue
		}
		j.exitEvent = e.Event
		exit()
		return
	}
}
