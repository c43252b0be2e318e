package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

func (f qrFixture) scan(t *testing.T, q models.QRCode, at time.Time) {
	t.Helper()
	if _, err := f.store.RecordQRScan(f.ctx, q.ID, at); err != nil {
		t.Fatal(err)
	}
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

		f.scan(t, f.poster, t0)
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
			scanned, err := f.store.RecordQRScan(f.ctx, f.poster.ID, t0.Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if scanned.QRCode.ScanCount != int64(i+1) || scanned.BasicID == nil || *scanned.BasicID != "@cafe" {
				t.Fatalf("scan %d = %+v", i, scanned)
			}
		}
		scanned, err := f.store.RecordQRScan(f.ctx, f.coast.ID, t0)
		if err != nil || scanned.BasicID != nil || scanned.QRCode.ScanCount != 1 {
			t.Fatalf("scan of an account without a basic ID = %+v, %v", scanned, err)
		}
		if _, err := f.store.RecordQRScan(f.ctx, "nope", t0); !errors.Is(err, models.ErrNotFound) {
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
	})
}

func TestClaimScan_TwoScansTwoFriendsEachClaimOneOldestFirst(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		f.scan(t, f.flyer, t0.Add(time.Minute))
		f.scan(t, f.poster, t0)
		f.scan(t, f.coast, t0) // another account's: never claimed by this one's friends
		first, second, third := f.friend(t, 1), f.friend(t, 2), f.friend(t, 3)
		at := t0.Add(2 * time.Minute)

		for _, want := range []struct {
			friend models.Friend
			code   models.QRCode
		}{{first, f.poster}, {second, f.flyer}} {
			got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, want.friend.ID, at, 10*time.Minute)
			if err != nil || !ok || got.ID != want.code.ID {
				t.Fatalf("claim by %s = %+v, %v, %v; want %s", want.friend.ID, got, ok, err, want.code.Name)
			}
		}
		if got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, third.ID, at, 10*time.Minute); err != nil || ok {
			t.Fatalf("third claim = %+v, %v, %v; want none left", got, ok, err)
		}
		// The first friend's follow handled again (a retry) gets its own scan back.
		if got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, first.ID, at, 10*time.Minute); err != nil || !ok || got.ID != f.poster.ID {
			t.Fatalf("repeated claim = %+v, %v, %v; want the poster again", got, ok, err)
		}

		var poster models.QRScan
		if err := f.store.DB().Where("qr_code_id = ?", f.poster.ID).Take(&poster).Error; err != nil {
			t.Fatal(err)
		}
		if poster.ClaimedByFriendID == nil || *poster.ClaimedByFriendID != first.ID || poster.ClaimedAt == nil || !poster.ClaimedAt.Equal(at) {
			t.Fatalf("poster's scan = %+v", poster)
		}
		// Another workspace asking for the account finds nothing.
		other, _ := testenv.Workspace(t, f.store, "globex")
		f.scan(t, f.poster, t0.Add(90*time.Second))
		if _, ok, err := f.store.ClaimScan(f.ctx, other.ID, f.account.ID, third.ID, at, 10*time.Minute); err != nil || ok {
			t.Fatalf("another workspace's claim: %v, %v", ok, err)
		}
	})
}

func TestClaimScan_WindowIncludesItsEdgesOnly(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		const window = 30 * time.Minute
		at := t0.Add(window)
		f.scan(t, f.poster, t0.Add(-time.Second))    // just too old
		f.scan(t, f.flyer, at.Add(time.Millisecond)) // after the follow: not its cause
		friend := f.friend(t, 1)

		if got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, friend.ID, at, window); err != nil || ok {
			t.Fatalf("claim outside the window = %+v, %v, %v", got, ok, err)
		}
		f.scan(t, f.poster, t0) // exactly window before at
		got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, friend.ID, at, window)
		if err != nil || !ok || got.ID != f.poster.ID {
			t.Fatalf("claim at the window's edge = %+v, %v, %v", got, ok, err)
		}
		f.scan(t, f.flyer, at) // at the very moment of the follow
		got, ok, err = f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, f.friend(t, 2).ID, at, window)
		if err != nil || !ok || got.ID != f.flyer.ID {
			t.Fatalf("claim of a scan at the follow's moment = %+v, %v, %v", got, ok, err)
		}
	})
}

func TestClaimScan_ConcurrentFriendsClaimDistinctScans(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		const n = 6
		for i := range n {
			f.scan(t, f.poster, t0.Add(time.Duration(i)*time.Second))
		}
		friends := make([]models.Friend, n+2)
		for i := range friends {
			friends[i] = f.friend(t, i+1)
		}
		var wg sync.WaitGroup
		claimed := make([]bool, len(friends))
		errs := make([]error, len(friends))
		for i, friend := range friends {
			wg.Go(func() {
				_, claimed[i], errs[i] = f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, friend.ID, t0.Add(time.Minute), time.Hour)
			})
		}
		wg.Wait()
		wins := 0
		for i := range friends {
			if errs[i] != nil {
				t.Fatalf("friend %d: %v", i, errs[i])
			}
			if claimed[i] {
				wins++
			}
		}
		var claimers []string
		err := f.store.DB().Model(&models.QRScan{}).Where("claimed_at IS NOT NULL").Distinct().Pluck("claimed_by_friend_id", &claimers).Error
		if err != nil {
			t.Fatal(err)
		}
		if wins != n || len(claimers) != n {
			t.Fatalf("%d friends won, %d distinct claimers; want %d of each", wins, len(claimers), n)
		}
	})
}
