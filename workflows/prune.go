package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
)

// Bounded batches keep each activity short and each database transaction small.
const (
	pruneBatchSize  = 5000
	maxPruneBatches = 100
)

// pruneInBatches runs a pruning activity (one that takes an activities.PruneBatch and
// answers how many rows it deleted) for the rows older than retention, batch after
// batch until one comes back short, and answers how many went in all.
func pruneInBatches(ctx workflow.Context, activityName string, retention time.Duration) (int64, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	cutoff := workflow.Now(ctx).Add(-retention)
	var total int64
	for range maxPruneBatches {
		var deleted int64
		batch := activities.PruneBatch{Before: cutoff, Limit: pruneBatchSize}
		if err := workflow.ExecuteActivity(ctx, activityName, batch).Get(ctx, &deleted); err != nil {
			return total, err
		}
		total += deleted
		if deleted < pruneBatchSize {
			break
		}
	}
	return total, nil
}
