package worker

import (
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
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

	line := &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, HTTPClient: httpClient, Timeout: cfg.LineTimeout}
	friends := &activities.Friends{Store: store}
	events := &activities.LineEvents{Store: store, LINE: line, QRFollowWindow: cfg.QRFollowWindow}
	executions := &activities.Executions{Store: store}
	autoMessages := &activities.AutoMessages{Store: store}
	endpoints := &activities.HTTP{Store: store, Allow: cfg.SendDataAllow}
	for name, fn := range map[string]any{
		activities.LinePushName:                  line.Push,
		activities.LineReplyName:                 line.Reply,
		activities.LineLinkRichMenuName:          line.LinkRichMenu,
		activities.LineUnlinkRichMenuName:        line.UnlinkRichMenu,
		activities.FriendsSnapshotName:           friends.Snapshot,
		activities.FriendsAddTagsName:            friends.AddTags,
		activities.FriendsRemoveTagsName:         friends.RemoveTags,
		activities.FriendsSetFieldName:           friends.SetField,
		activities.FriendsInSegmentName:          friends.InSegment,
		activities.ExecutionsStepName:            executions.RecordStep,
		activities.ExecutionsUpdateName:          executions.Update,
		activities.FriendsFromEventName:          events.FriendFromEvent,
		activities.ExecutionsAwaitingAnswerName:  events.AwaitingAnswer,
		activities.ExecutionsRunningOfFriendName: events.RunningOfFriend,
		activities.WorkflowsTriggeredName:        events.Triggered,
		activities.AutoMessagesGetName:           autoMessages.Get,
		activities.HTTPSendDataName:              endpoints.SendData,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}

// RegisterEngine registers what needs Temporal itself: the ejection of a stopped
// workflow's runs and the start_workflow step's enrollments.
func RegisterEngine(r Registry, c client.Client, namespace string, store *models.Store, engine activities.Enroller) {
	r.RegisterWorkflowWithOptions(workflows.EjectRuns, workflow.RegisterOptions{Name: workflows.EjectRunsName})
	r.RegisterWorkflowWithOptions(workflows.LineInbox, workflow.RegisterOptions{Name: workflows.InboxName})
	ejections := &activities.Ejections{Store: store, Temporal: c, Namespace: namespace}
	r.RegisterActivityWithOptions(ejections.EjectBatch, activity.RegisterOptions{Name: activities.ExecutionsEjectBatchName})
	enrollments := &activities.Enrollments{Engine: engine}
	r.RegisterActivityWithOptions(enrollments.Start, activity.RegisterOptions{Name: activities.WorkflowsStartName})
}
