package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// tagStep adds and removes the node's tags on the friend.
func tagStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	t := node.(*definition.Tag)
	ctx = dbOptions(ctx)
	if len(t.Add) > 0 {
		err := workflow.ExecuteLocalActivity(ctx, activities.FriendsAddTagsName, activities.TagsInput{Friend: j.friendRef(), Tags: t.Add}).Get(ctx, nil)
		if err != nil {
			return failedOutcome(err)
		}
	}
	if len(t.Remove) > 0 {
		err := workflow.ExecuteLocalActivity(ctx, activities.FriendsRemoveTagsName, activities.TagsInput{Friend: j.friendRef(), Tags: t.Remove}).Get(ctx, nil)
		if err != nil {
			return failedOutcome(err)
		}
	}
	return follow(node, "next")
}
