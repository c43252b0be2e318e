package workflows_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

func TestPruneWebhookEvents_RemovesOnlyRecordsOlderThanRetention(t *testing.T) {
	db := testenv.SQLite(t)
	store := testenv.Store(t, db)
	ctx := context.Background()
	ws, _ := testenv.Workspace(t, store, "acme")
	account, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{
		Name: "a", ChannelID: "1", ChannelSecret: "s", ChannelAccessToken: "t",
	})
	if err != nil {
		t.Fatal(err)
	}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	// The workflow's clock starts at the environment's start time; records are placed
	// around it.
	now := env.Now().UTC()
	for i, age := range []time.Duration{200 * time.Hour, 170 * time.Hour, 10 * time.Hour, time.Minute} {
		event := models.WebhookEvent{LineAccountID: account.ID, EventID: string(rune('a' + i)), WorkspaceID: ws.ID, ReceivedAt: now.Add(-age)}
		if err := db.Create(&event).Error; err != nil {
			t.Fatal(err)
		}
	}
	maintenance := &activities.Maintenance{Store: store}
	env.RegisterActivityWithOptions(maintenance.PruneWebhookEvents, activity.RegisterOptions{Name: activities.PruneWebhookEventsName})

	env.ExecuteWorkflow(workflows.PruneWebhookEvents, workflows.PruneWebhookEventsInput{Retention: 168 * time.Hour})

	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	var result workflows.PruneWebhookEventsResult
	if err := env.GetWorkflowResult(&result); err != nil {
		t.Fatal(err)
	}
	if result.Deleted != 2 {
		t.Fatalf("deleted %d, want the 2 records older than 168h", result.Deleted)
	}
	var left int64
	db.Model(&models.WebhookEvent{}).Count(&left)
	if left != 2 {
		t.Fatalf("%d records left, want 2", left)
	}
}
