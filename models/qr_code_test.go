package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// qrFixture is a workspace with a LINE account (basic ID "@cafe"), two QR codes for it,
// and a second account with a code of its own.
type qrFixture struct {
	ctx                  context.Context
	store                *models.Store
	ws                   models.Workspace
	account, other       models.LineAccount
	poster, flyer, coast models.QRCode
}

func newQRFixture(t *testing.T, db *database.DB) qrFixture {
	t.Helper()
	ctx := context.Background()
	store := testenv.Store(t, db)
	ws, _ := testenv.Workspace(t, store, "acme")
	basicID := "@cafe"
	in := sampleAccount
	in.BasicID = &basicID
	account, err := store.CreateLineAccount(ctx, ws.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	in = sampleAccount
	in.ChannelID = "1650000001"
	other, err := store.CreateLineAccount(ctx, ws.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	f := qrFixture{ctx: ctx, store: store, ws: ws, account: account, other: other}
	code := func(name, accountID string) models.QRCode {
		q, err := store.CreateQRCode(ctx, ws.ID, models.QRCodeInput{Name: name, LineAccountID: accountID})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	f.poster, f.flyer, f.coast = code("Poster", account.ID), code("Flyer", account.ID), code("Coast", other.ID)
	return f
}

// scan records a scan of q from the client address at the time, and returns its code.
func (f qrFixture) scan(t *testing.T, q models.QRCode, client string, at time.Time) string {
	t.Helper()
	scanned, err := f.store.RecordQRScan(f.ctx, q.ID, client, at)
	if err != nil {
		t.Fatal(err)
	}
	return scanned.ScanCode
}

func (f qrFixture) friend(t *testing.T, n int) models.Friend {
	t.Helper()
	friend, err := f.store.UpsertFriend(f.ctx, f.ws.ID, f.account.ID, fmt.Sprintf("U%032x", n), models.FriendProfile{})
	if err != nil {
		t.Fatal(err)
	}
	return friend
}

// t0 is a whole second, which both databases store exactly.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestQRCode_CreateGetUpdateDelete(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		other, _ := testenv.Workspace(t, f.store, "globex")
		w, err := f.store.CreateWorkflow(f.ctx, f.ws.ID, models.WorkflowInput{Name: "Welcome", Document: []byte(`{"name":"Welcome"}`)}, "test", 0)
		if err != nil {
			t.Fatal(err)
		}

		got, err := f.store.GetQRCode(f.ctx, f.ws.ID, f.poster.ID)
		if err != nil || got.Name != "Poster" || got.LineAccountID != f.account.ID || got.WorkflowID != nil || got.ScanCount != 0 {
			t.Fatalf("get = %+v, %v", got, err)
		}
		if _, err := f.store.GetQRCode(f.ctx, other.ID, f.poster.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's get: %v", err)
		}

		changed, err := f.store.UpdateQRCode(f.ctx, f.ws.ID, f.poster.ID, models.QRCodeInput{
			Name: "Big poster", LineAccountID: f.other.ID, WorkflowID: &w.ID, Campaign: "spring",
		})
		if err != nil {
			t.Fatal(err)
		}
		if changed.Name != "Big poster" || changed.LineAccountID != f.other.ID || changed.WorkflowID == nil || *changed.WorkflowID != w.ID ||
			changed.Campaign != "spring" || !changed.CreatedAt.Equal(got.CreatedAt) {
			t.Fatalf("after update = %+v", changed)
		}

		// References must be the workspace's own.
		theirAccount, err := f.store.CreateLineAccount(f.ctx, other.ID, sampleAccount)
		if err != nil {
			t.Fatal(err)
		}
		var field *models.FieldError
		_, err = f.store.CreateQRCode(f.ctx, f.ws.ID, models.QRCodeInput{Name: "x", LineAccountID: theirAccount.ID})
		if !errors.As(err, &field) || field.Field != "lineAccountId" {
			t.Fatalf("another workspace's account: %v", err)
		}
		missing := "nope"
		_, err = f.store.UpdateQRCode(f.ctx, f.ws.ID, f.poster.ID, models.QRCodeInput{Name: "x", LineAccountID: f.account.ID, WorkflowID: &missing})
		if !errors.As(err, &field) || field.Field != "workflowId" {
			t.Fatalf("unknown workflow: %v", err)
		}
		if _, err := f.store.UpdateQRCode(f.ctx, other.ID, f.poster.ID, models.QRCodeInput{Name: "x", LineAccountID: theirAccount.ID}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's update: %v", err)
		}

		f.scan(t, f.poster, "198.51.100.1", t0)
		if err := f.store.DeleteQRCode(f.ctx, other.ID, f.poster.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's delete: %v", err)
		}
		if err := f.store.DeleteQRCode(f.ctx, f.ws.ID, f.poster.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.GetQRCode(f.ctx, f.ws.ID, f.poster.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
		var scans int64
		if err := f.store.DB().Model(&models.QRScan{}).Where("qr_code_id = ?", f.poster.ID).Count(&scans).Error; err != nil || scans != 0 {
			t.Fatalf("scans left of a deleted code: %d, %v", scans, err)
		}
	})
}

func TestRecordQRScan_CountsEachScanAndAnswersTheBasicID(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		for i := range 3 {
			scanned, err := f.store.RecordQRScan(f.ctx, f.poster.ID, fmt.Sprintf("198.51.100.%d", i), t0.Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if scanned.QRCode.ScanCount != int64(i+1) || scanned.BasicID == nil || *scanned.BasicID != "@cafe" {
				t.Fatalf("scan %d = %+v", i, scanned)
			}
		}
		scanned, err := f.store.RecordQRScan(f.ctx, f.coast.ID, "198.51.100.1", t0)
		if err != nil || scanned.BasicID != nil || scanned.QRCode.ScanCount != 1 {
			t.Fatalf("scan of an account without a basic ID = %+v, %v", scanned, err)
		}
		if _, err := f.store.RecordQRScan(f.ctx, "nope", "198.51.100.1", t0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		var scans []models.QRScan
		if err := f.store.DB().Where("qr_code_id = ?", f.poster.ID).Order("scanned_at").Find(&scans).Error; err != nil {
			t.Fatal(err)
		}
		if len(scans) != 3 || scans[0].WorkspaceID != f.ws.ID || scans[0].LineAccountID != f.account.ID ||
			!scans[0].ScannedAt.Equal(t0) || scans[0].ClaimedAt != nil || scans[0].ClaimedByFriendID != nil {
			t.Fatalf("scans = %+v", scans)
		}
		codes := map[string]bool{}
		for i, scan := range scans {
			if scan.Code == nil || codes[*scan.Code] || scan.ClientAddr != fmt.Sprintf("198.51.100.%d", i) {
				t.Fatalf("scan %d: code %v (seen: %v), client %q; want a code of its own and its client", i, scan.Code, codes, scan.ClientAddr)
			}
			codes[*scan.Code] = true
		}
	})
}
