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

// RegisterBroadcasts registers the broadcast workflow and its activities, which read
// segments' members through segments and send at cfg.BroadcastRate through cfg's LINE.
func RegisterBroadcasts(r Registry, cfg config.Config, store *models.Store, segments activities.SegmentMembers, httpClient *http.Client) {
	r.RegisterWorkflowWithOptions(workflows.Broadcast, workflow.RegisterOptions{Name: workflows.BroadcastName})
	line := &activities.LINE{Store: store, BaseURL: cfg.LineAPIURL, HTTPClient: httpClient, Timeout: cfg.LineTimeout}
	broadcasts := &activities.Broadcasts{Store: store, Segments: segments, LINE: line, Rate: cfg.BroadcastRate}
	for name, fn := range map[string]any{
		activities.BroadcastsBeginName:    broadcasts.Begin,
		activities.BroadcastsSnapshotName: broadcasts.Snapshot,
		activities.BroadcastsSendName:     broadcasts.Send,
		activities.BroadcastsFinishName:   broadcasts.Finish,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}
