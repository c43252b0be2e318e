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

const broadcastMessages = `[{"type":"text","text":"Sale today"}]`

// newBroadcast makes a workspace with a LINE account and a broadcast on it.
func newBroadcast(t *testing.T, store *models.Store, scheduledAt *time.Time) (models.Workspace, models.Broadcast) {
	t.Helper()
	ctx := context.Background()
	ws, _ := testenv.Workspace(t, store, "acme")
	account, err := store.CreateLineAccount(ctx, ws.ID, sampleAccount)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.CreateBroadcast(ctx, ws.ID, models.BroadcastInput{
		LineAccountID: account.ID, SegmentID: "segment-1", Messages: []byte(broadcastMessages), ScheduledAt: scheduledAt,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ws, b
}

// recipients makes n recipients whose friend IDs sort in the order made.
func recipients(from, n int) []models.BroadcastRecipient {
	out := make([]models.BroadcastRecipient, n)
	for i := range out {
		out[i] = models.BroadcastRecipient{FriendID: fmt.Sprintf("friend-%05d", from+i), LineUserID: fmt.Sprintf("U%032d", from+i)}
	}
	return out
}

func TestBroadcast_CreateScheduledOrRunningAndTenancy(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		ws, scheduled := newBroadcast(t, store, &at)
		if scheduled.Status != models.BroadcastScheduled || !scheduled.ScheduledAt.Equal(at) {
			t.Fatalf("scheduled broadcast = %+v", scheduled)
		}
		now, err := store.CreateBroadcast(ctx, ws.ID, models.BroadcastInput{
			LineAccountID: scheduled.LineAccountID, SegmentID: "segment-1", Messages: []byte(broadcastMessages),
		})
		if err != nil || now.Status != models.BroadcastRunning {
			t.Fatalf("broadcast now = %+v, %v", now, err)
		}

		other, _ := testenv.Workspace(t, store, "other")
		if _, err := store.GetBroadcast(ctx, other.ID, now.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another workspace's broadcast: %v, want ErrNotFound", err)
		}
		_, err = store.CreateBroadcast(ctx, other.ID, models.BroadcastInput{
			LineAccountID: scheduled.LineAccountID, SegmentID: "s", Messages: []byte(broadcastMessages),
		})
		var field *models.FieldError
		if !errors.As(err, &field) || field.Field != "lineAccountId" {
			t.Fatalf("another workspace's LINE account: %v, want a FieldError on lineAccountId", err)
		}
		list, next, err := store.ListBroadcasts(ctx, ws.ID, models.Page{Limit: 1})
		if err != nil || len(list) != 1 || list[0].ID != now.ID || next == "" {
			t.Fatalf("first page = %v, %q, %v; want the newest and a cursor", list, next, err)
		}
	})
}

// Recipients are copied a page at a time; a page read from a cursor another attempt has
// moved past is dropped, so no recipient is numbered twice.
func TestBroadcast_RecipientPagesNumberEachFriendOnce(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, b := newBroadcast(t, store, nil)

		first := recipients(0, 600)
		added, err := store.AddBroadcastRecipients(ctx, ws.ID, b.ID, "", first[599].FriendID, first, false)
		if err != nil || added != 600 {
			t.Fatalf("first page: %d, %v", added, err)
		}
		// A retried attempt that read the same first page before the cursor moved.
		again, err := store.AddBroadcastRecipients(ctx, ws.ID, b.ID, "", first[599].FriendID, first, false)
		if err != nil || again != 0 {
			t.Fatalf("the same page again: %d, %v; want 0 added", again, err)
		}
		last := recipients(600, 150)
		if _, err := store.AddBroadcastRecipients(ctx, ws.ID, b.ID, first[599].FriendID, last[149].FriendID, last, true); err != nil {
			t.Fatal(err)
		}
		b, err = store.GetBroadcast(ctx, ws.ID, b.ID)
		if err != nil || b.Total != 750 || !b.SnapshotDone || b.Batches() != 2 || b.Remaining() != 750 {
			t.Fatalf("after the copy: total %d, done %v, batches %d, remaining %d, %v", b.Total, b.SnapshotDone, b.Batches(), b.Remaining(), err)
		}
		for _, c := range []struct{ batch, size, firstSeq int }{{0, 500, 0}, {1, 250, 500}, {2, 0, 0}} {
			rows, err := store.BroadcastBatchRecipients(ctx, b.ID, c.batch)
			if err != nil || len(rows) != c.size {
				t.Fatalf("batch %d: %d recipients, %v; want %d", c.batch, len(rows), err, c.size)
			}
			if c.size > 0 && (rows[0].Seq != c.firstSeq || rows[0].FriendID != fmt.Sprintf("friend-%05d", c.firstSeq)) {
				t.Fatalf("batch %d starts with %+v", c.batch, rows[0])
			}
		}
	})
}

// Each batch recorded moves its recipients from remaining to sent or failed in one
// write, once however often it is recorded: the three always add up to the total.
func TestBroadcast_RecordedBatchesAddUpOnce(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		ws, b := newBroadcast(t, store, nil)
		page := recipients(0, 1200)
		if _, err := store.AddBroadcastRecipients(ctx, ws.ID, b.ID, "", page[1199].FriendID, page, true); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			batch      models.BroadcastBatch
			sent, fail int
			next       int
		}{
			{models.BroadcastBatch{BroadcastID: b.ID, Batch: 0, Sent: 500, RequestID: "r0"}, 500, 0, 1},
			{models.BroadcastBatch{BroadcastID: b.ID, Batch: 0, Sent: 500, RequestID: "r0"}, 500, 0, 1},
			{models.BroadcastBatch{BroadcastID: b.ID, Batch: 1, Failed: 500}, 500, 500, 2},
			{models.BroadcastBatch{BroadcastID: b.ID, Batch: 2, Sent: 198, Failed: 2, RequestID: "r2"}, 698, 502, 3},
		}
		for i, s := range steps {
			if err := store.RecordBroadcastBatch(ctx, ws.ID, s.batch); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got, err := store.GetBroadcast(ctx, ws.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Sent != s.sent || got.Failed != s.fail || got.Sent+got.Failed+got.Remaining() != got.Total {
				t.Fatalf("step %d: sent %d failed %d remaining %d of %d; want sent %d failed %d", i, got.Sent, got.Failed, got.Remaining(), got.Total, s.sent, s.fail)
			}
			if next, err := store.NextBroadcastBatch(ctx, b.ID); err != nil || next != s.next {
				t.Fatalf("step %d: next batch %d, %v; want %d", i, next, err, s.next)
			}
		}
		other, _ := testenv.Workspace(t, store, "other")
		err := store.RecordBroadcastBatch(ctx, other.ID, models.BroadcastBatch{BroadcastID: b.ID, Batch: 9, Sent: 1})
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("recording into another workspace's broadcast: %v, want ErrNotFound", err)
		}
	})
}

func TestBroadcast_CancelAndResumeOnlyFromTheirStatuses(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		store := testenv.Store(t, db)
		cases := []struct {
			from       models.BroadcastStatus
			cancelOK   bool
			resumeOK   bool
			afterMoves models.BroadcastStatus // after a successful resume
		}{
			{models.BroadcastScheduled, true, false, ""},
			{models.BroadcastRunning, true, false, ""},
			{models.BroadcastStopped, true, true, models.BroadcastRunning},
			{models.BroadcastCompleted, false, false, ""},
			{models.BroadcastCancelled, false, false, ""},
			{models.BroadcastFailed, false, false, ""},
		}
		for _, c := range cases {
			t.Run(string(c.from), func(t *testing.T) {
				ws, b := newBroadcast(t, store, nil)
				if err := store.DB().Model(&models.Broadcast{}).Where("id = ?", b.ID).
					Updates(map[string]any{"status": c.from, "stop_reason": "why"}).Error; err != nil {
					t.Fatal(err)
				}
				resumed, err := store.ResumeBroadcast(ctx, ws.ID, b.ID)
				checkMove(t, "resume", err, c.resumeOK, c.from)
				if c.resumeOK && (resumed.Status != c.afterMoves || resumed.StopReason != "") {
					t.Fatalf("resumed = %s (%q)", resumed.Status, resumed.StopReason)
				}
				cancelled, err := store.CancelBroadcast(ctx, ws.ID, b.ID)
				checkMove(t, "cancel", err, c.cancelOK, c.from)
				if c.cancelOK && (cancelled.Status != models.BroadcastCancelled || cancelled.FinishedAt == nil) {
					t.Fatalf("cancelled = %+v", cancelled)
				}
				// The workflow finishing afterwards does not undo the cancellation.
				if c.cancelOK {
					after, err := store.FinishBroadcast(ctx, ws.ID, b.ID, models.BroadcastCompleted, "")
					if err != nil || after.Status != models.BroadcastCancelled {
						t.Fatalf("finish after cancel: %s, %v", after.Status, err)
					}
				}
			})
		}
		if _, err := store.CancelBroadcast(ctx, "nobody", "nothing"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("cancel of no broadcast: %v", err)
		}
	})
}

func checkMove(t *testing.T, what string, err error, ok bool, from models.BroadcastStatus) {
	t.Helper()
	var conflict *models.ConflictError
	switch {
	case ok && err != nil:
		t.Fatalf("%s from %s: %v", what, from, err)
	case !ok && (!errors.As(err, &conflict) || conflict.Field != "status" || conflict.FieldMessage != string(from)):
		t.Fatalf("%s from %s: %v, want a ConflictError on status naming %s", what, from, err, from)
	}
}
