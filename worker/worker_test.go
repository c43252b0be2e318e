package worker_test

import (
	"context"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/worker"
	"github.com/lumoworkflows/lumo/workflows"
)

var temporalServer *temporaltest.TemporalServer

func TestMain(m *testing.M) { temporaltest.Main(m, &temporalServer) }

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.TemporalTaskQueue = temporaltest.TaskQueue(t)
	return cfg
}

func TestWorker_RunsPruneWorkflowAgainstTheDatabase(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		c := temporalServer.Client(t)
		cfg := testConfig(t)

		ws, _ := testenv.Workspace(t, store, "acme")
		account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{Name: "a", ChannelID: "1", ChannelSecret: "s", ChannelAccessToken: "t"})
		if err != nil {
			t.Fatal(err)
		}
		old := models.WebhookEvent{LineAccountID: account.ID, EventID: "old", WorkspaceID: ws.ID, ReceivedAt: time.Now().Add(-30 * 24 * time.Hour)}
		fresh := models.WebhookEvent{LineAccountID: account.ID, EventID: "fresh", WorkspaceID: ws.ID, ReceivedAt: time.Now()}
		if err := db.Create([]models.WebhookEvent{old, fresh}).Error; err != nil {
			t.Fatal(err)
		}

		w, err := worker.New(worker.Deps{Config: cfg, Client: c, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()

		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:        "prune-" + cfg.TemporalTaskQueue,
			TaskQueue: cfg.TemporalTaskQueue,
		}, workflows.PruneWebhookEventsName, workflows.PruneWebhookEventsInput{Retention: 7 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var result workflows.PruneWebhookEventsResult
		if err := run.Get(ctx, &result); err != nil {
			t.Fatal(err)
		}
		if result.Deleted != 1 {
			t.Fatalf("deleted %d, want 1", result.Deleted)
		}
		var ids []string
		db.Model(&models.WebhookEvent{}).Pluck("event_id", &ids)
		if len(ids) != 1 || ids[0] != "fresh" {
			t.Fatalf("left %v, want [fresh]", ids)
		}
	})
}

func TestEnsureSchedules_CreatesThenUpdates(t *testing.T) {
	ctx := context.Background()
	c := temporalServer.Client(t)
	cfg := testConfig(t)
	if err := worker.EnsureSchedules(ctx, c, cfg); err != nil {
		t.Fatalf("create: %v", err)
	}
	cfg.WebhookDedupeRetention = 48 * time.Hour
	if err := worker.EnsureSchedules(ctx, c, cfg); err != nil {
		t.Fatalf("update: %v", err)
	}
	desc, err := c.ScheduleClient().GetHandle(ctx, "lumo-prune-webhook-events").Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		t.Fatalf("action is %T", desc.Schedule.Action)
	}
	if action.TaskQueue != cfg.TemporalTaskQueue {
		t.Fatalf("task queue = %s, want %s", action.TaskQueue, cfg.TemporalTaskQueue)
	}
	var input workflows.PruneWebhookEventsInput
	if len(action.Args) != 1 {
		t.Fatalf("args = %v", action.Args)
	}
	payload, ok := action.Args[0].(*commonpb.Payload)
	if !ok {
		t.Fatalf("arg is %T", action.Args[0])
	}
	if err := converter.GetDefaultDataConverter().FromPayload(payload, &input); err != nil {
		t.Fatal(err)
	}
	if input.Retention != 48*time.Hour {
		t.Fatalf("retention = %s, want 48h", input.Retention)
	}

	// Unclaimed QR scans are pruned once nothing can claim them.
	desc, err = c.ScheduleClient().GetHandle(ctx, "lumo-prune-qr-scans").Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	action, ok = desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || action.Workflow != workflows.PruneQRScansName || len(action.Args) != 1 {
		t.Fatalf("QR scans schedule's action = %+v", desc.Schedule.Action)
	}
	var qrInput workflows.PruneQRScansInput
	if err := converter.GetDefaultDataConverter().FromPayload(action.Args[0].(*commonpb.Payload), &qrInput); err != nil {
		t.Fatal(err)
	}
	if qrInput.Retention != models.ScanCodeLife {
		t.Fatalf("QR scans retention = %s, want %s", qrInput.Retention, models.ScanCodeLife)
	}
}
