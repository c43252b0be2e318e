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

func TestPruneQRScans_RemovesOnlyUnclaimedScansOlderThanRetention(t *testing.T) {
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
	code, err := store.CreateQRCode(ctx, ws.ID, models.QRCodeInput{Name: "Poster", LineAccountID: account.ID})
	if err != nil {
		t.Fatal(err)
	}
	friend, err := store.UpsertFriend(ctx, ws.ID, account.ID, "U1", models.FriendProfile{})
	if err != nil {
		t.Fatal(err)
	}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	now := env.Now().UTC()
	// Each scan from a client of its own, so that none drops another.
	for i, age := range []time.Duration{3 * time.Hour, 2 * time.Hour, 30 * time.Minute, time.Minute} {
		if _, err := store.RecordQRScan(ctx, code.ID, string(rune('a'+i)), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := store.RecordQRScan(ctx, code.ID, "z", now.Add(-5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.ClaimScanCode(ctx, ws.ID, account.ID, friend.ID, claimed.ScanCode, now.Add(-5*time.Hour)); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	maintenance := &activities.Maintenance{Store: store}
	env.RegisterActivityWithOptions(maintenance.PruneQRScans, activity.RegisterOptions{Name: activities.PruneQRScansName})

	env.ExecuteWorkflow(workflows.PruneQRScans, workflows.PruneQRScansInput{Retention: models.ScanCodeLife})

	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	var result workflows.PruneQRScansResult
	if err := env.GetWorkflowResult(&result); err != nil {
		t.Fatal(err)
	}
	if result.Deleted != 2 {
		t.Fatalf("deleted %d, want the 2 unclaimed scans older than an hour", result.Deleted)
	}
	var left []string
	db.Model(&models.QRScan{}).Order("client_addr").Pluck("client_addr", &left)
	if len(left) != 3 || left[0] != "c" || left[1] != "d" || left[2] != "z" {
		t.Fatalf("scans left from clients %v, want c, d and the claimed z", left)
	}
}
