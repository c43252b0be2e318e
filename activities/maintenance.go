package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/lumoworkflows/lumo/models"
)

// The activities' names in Temporal and its Web UI.
const (
	PruneWebhookEventsName = "maintenance.PruneWebhookEvents"
	PruneQRScansName       = "maintenance.PruneQRScans"
)

// Maintenance holds the housekeeping activities the worker schedules for itself.
type Maintenance struct {
	Store *models.Store
}

// PruneBatch bounds one batch of pruning: at most Limit rows older than Before.
type PruneBatch struct {
	Before time.Time
	Limit  int
}

// PruneWebhookEvents deletes at most Limit delivery records received before Before and
// returns how many it deleted. Repeating it is harmless.
func (m *Maintenance) PruneWebhookEvents(ctx context.Context, in PruneBatch) (int64, error) {
	deleted, err := m.Store.PruneWebhookEvents(ctx, in.Before, in.Limit)
	if err != nil {
		return 0, fmt.Errorf("prune webhook events before %s: %w", in.Before.Format(time.RFC3339), err)
	}
	return deleted, nil
}

// PruneQRScans deletes at most Limit unclaimed QR code scans made before Before and
// returns how many it deleted. Repeating it is harmless.
func (m *Maintenance) PruneQRScans(ctx context.Context, in PruneBatch) (int64, error) {
	deleted, err := m.Store.PruneQRScans(ctx, in.Before, in.Limit)
	if err != nil {
		return 0, fmt.Errorf("prune QR scans before %s: %w", in.Before.Format(time.RFC3339), err)
	}
	return deleted, nil
}
