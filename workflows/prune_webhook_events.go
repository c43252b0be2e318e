package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
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
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	cutoff := workflow.Now(ctx).Add(-in.Retention)
	var result PruneWebhookEventsResult
	// Bounded batches keep each activity short and each database transaction small; the
	// loop ends when a batch comes back short.
	for range maxPruneBatches {
		var deleted int64
		err := workflow.ExecuteActivity(ctx, activities.PruneWebhookEventsName, activities.PruneWebhookEventsInput{
			Before: cutoff,
			Limit:  pruneBatchSize,
		}).Get(ctx, &deleted)
		if err != nil {
			return result, err
		}
		result.Deleted += deleted
		if deleted < pruneBatchSize {
			break
		}
	}
	return result, nil
}

const (
	pruneBatchSize  = 5000
	maxPruneBatches = 100
)
