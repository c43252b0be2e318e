package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
)

// PruneQRScansName is the workflow's name in Temporal and its Web UI.
const PruneQRScansName = "lumo.PruneQRScans"

// PruneQRScansInput says how long unclaimed QR code scans are kept.
type PruneQRScansInput struct {
	// Retention is how long a scan can still be claimed (models.ScanCodeLife): an
	// unclaimed scan older than that never will be.
	Retention time.Duration
}

// PruneQRScansResult says how many scans were removed.
type PruneQRScansResult struct {
	Deleted int64
}

// PruneQRScans deletes unclaimed QR code scans older than the retention, in batches,
// so that scans nobody follows up (a flood of anonymous visits among them) do not pile
// up. Claimed scans stay. The worker runs it on a Temporal Schedule.
func PruneQRScans(ctx workflow.Context, in PruneQRScansInput) (PruneQRScansResult, error) {
	deleted, err := pruneInBatches(ctx, activities.PruneQRScansName, in.Retention)
	return PruneQRScansResult{Deleted: deleted}, err
}
