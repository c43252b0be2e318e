package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
)

// PruneWebhookEventsName is the workflow's name in Temporal and its Web UI.
const PruneWebhookEventsName = "lumo.PruneWebhookEvents"

// PruneWebhookEventsInput says how long delivery records are kept.
type PruneWebhookEventsInput struct {
	// Retention is how long a webhook delivery is remembered for deduplication. LINE
	// redelivers failed webhooks for a limited time; a record older than that can go.
	Retention time.Duration
}

// PruneWebhookEventsResult says how many records were removed.
type PruneWebhookEventsResult struct {
	Deleted int64
}

// PruneWebhookEvents forgets webhook deliveries older than the retention, in batches, so
// the deduplication table stays small. The worker runs it on a Temporal Schedule.
func PruneWebhookEvents(ctx workflow.Context, in PruneWebhookEventsInput) (PruneWebhookEventsResult, error) {
	deleted, err := pruneInBatches(ctx, activities.PruneWebhookEventsName, in.Retention)
	return PruneWebhookEventsResult{Deleted: deleted}, err
}
