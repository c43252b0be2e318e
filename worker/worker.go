package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/engine"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// Deps are what the worker's activities need.
type Deps struct {
	Config config.Config
	Client client.Client
	Store  *models.Store
}

// New returns a worker with every workflow and activity registered; call Start or Run.
func New(deps Deps) (sdkworker.Worker, error) {
	if deps.Client == nil || deps.Store == nil {
		return nil, errors.New("worker: a Temporal client and a store are required")
	}
	w := sdkworker.New(deps.Client, deps.Config.TemporalTaskQueue, sdkworker.Options{})

	w.RegisterWorkflowWithOptions(workflows.PruneWebhookEvents, workflow.RegisterOptions{Name: workflows.PruneWebhookEventsName})
	w.RegisterWorkflowWithOptions(workflows.PruneQRScans, workflow.RegisterOptions{Name: workflows.PruneQRScansName})

	// One client for every LINE call, so connections to LINE are pooled.
	lineHTTP := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	RegisterJourney(w, deps.Config, deps.Store, lineHTTP)
	RegisterBroadcasts(w, deps.Config, deps.Store, StoreSegments{Store: deps.Store}, lineHTTP)
	RegisterEngine(w, deps.Client, deps.Config.TemporalNamespace, deps.Store, engine.New(deps.Client, deps.Store, deps.Config))

	maintenance := &activities.Maintenance{Store: deps.Store}
	w.RegisterActivityWithOptions(maintenance.PruneWebhookEvents, activity.RegisterOptions{Name: activities.PruneWebhookEventsName})
	w.RegisterActivityWithOptions(maintenance.PruneQRScans, activity.RegisterOptions{Name: activities.PruneQRScansName})
	return w, nil
}

const (
	// pruneScheduleID and pruneQRScansScheduleID name the schedules in the Web UI's
	// Schedules page.
	pruneScheduleID        = "lumo-prune-webhook-events"
	pruneQRScansScheduleID = "lumo-prune-qr-scans"
	// pruneInterval is how often old webhook deliveries and unclaimed QR scans are
	// pruned.
	pruneInterval = time.Hour
)

// EnsureSchedules creates the worker's own schedules, or brings an existing one's action
// up to date with the configuration. Every worker calls it at start; all but the first
// find the schedules there.
func EnsureSchedules(ctx context.Context, c client.Client, cfg config.Config) error {
	schedules := []*client.ScheduleWorkflowAction{
		{
			ID:        pruneScheduleID,
			Workflow:  workflows.PruneWebhookEventsName,
			TaskQueue: cfg.TemporalTaskQueue,
			Args:      []any{workflows.PruneWebhookEventsInput{Retention: cfg.WebhookDedupeRetention}},
		},
		{
			ID:        pruneQRScansScheduleID,
			Workflow:  workflows.PruneQRScansName,
			TaskQueue: cfg.TemporalTaskQueue,
			Args:      []any{workflows.PruneQRScansInput{Retention: models.ScanCodeLife}},
		},
	}
	for _, action := range schedules {
		// Each schedule starts its workflow under the schedule's own ID.
		if err := ensureSchedule(ctx, c, action.ID, action); err != nil {
			return err
		}
	}
	return nil
}

// ensureSchedule creates the schedule id, running action every pruneInterval, or makes
// the existing one do so.
func ensureSchedule(ctx context.Context, c client.Client, id string, action *client.ScheduleWorkflowAction) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: pruneInterval}}},
		Action: action,
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", id, err)
	}
	handle := c.ScheduleClient().GetHandle(ctx, id)
	err = handle.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			in.Description.Schedule.Action = action
			in.Description.Schedule.Spec = &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: pruneInterval}}}
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", id, err)
	}
	return nil
}
