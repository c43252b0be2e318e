package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// richMenuStep links a rich menu to the friend, or unlinks theirs.
func richMenuStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	r := node.(*definition.RichMenu)
	name, input := activities.LineLinkRichMenuName, activities.RichMenuInput{Recipient: j.in.Friend, RichMenuID: r.RichMenuID}
	if r.Action == "unlink" {
		name, input.RichMenuID = activities.LineUnlinkRichMenuName, ""
	}
	if err := workflow.ExecuteLocalActivity(lineOptions(ctx), name, input).Get(ctx, nil); err != nil {
		return failedOutcome(err)
	}
	return follow(node, "next")
}
