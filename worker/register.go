package worker

import (
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// Registry is where workflows and activities are registered: a worker, or the test
// suite's environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// RegisterJourney registers the interpreter and every activity its steps call, under
// the names the Web UI shows.
func RegisterJourney(r Registry, cfg config.Config, store *models.Store, httpClient *http.Client) {
	r.RegisterWorkflowWithOptions(workflows.Journey, workflow.RegisterOptions{Name: workflows.JourneyName})

	line := &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, HTTPClient: httpClient}
	friends := &activities.Friends{Store: store}
	executions := &activities.Executions{Store: store}
	for name, fn := range map[string]any{
		activities.LinePushName:           line.Push,
		activities.LineReplyName:          line.Reply,
		activities.LineLinkRichMenuName:   line.LinkRichMenu,
		activities.LineUnlinkRichMenuName: line.UnlinkRichMenu,
		activities.FriendsSnapshotName:    friends.Snapshot,
		activities.FriendsAddTagsName:     friends.AddTags,
		activities.FriendsRemoveTagsName:  friends.RemoveTags,
		activities.FriendsSetFieldName:    friends.SetField,
		activities.ExecutionsStepName:     executions.RecordStep,
		activities.ExecutionsUpdateName:   executions.Update,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}
