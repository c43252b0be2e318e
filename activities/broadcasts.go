package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/models"
)

// The names a broadcast's activities are registered under.
const (
	BroadcastsBeginName    = "broadcasts.Begin"
	BroadcastsSnapshotName = "broadcasts.Snapshot"
	BroadcastsSendName     = "broadcasts.Send"
	BroadcastsFinishName   = "broadcasts.Finish"
)

// Broadcasts are the activities of a broadcast: they copy its recipients from the
// segment and send them the messages with LINE multicast, a batch of up to 500 at a
// time, recording each batch in the database as it is done. The database is what they
// go by, never their input: a retried or resumed activity reads which page to copy and
// which batch to send next from there, so a worker killed at any moment loses nothing
// and sends nothing twice (a batch LINE took whose record was lost goes again with the
// same retry key, and LINE answers 409).
//
// They run as regular activities: each works through many pages or batches, heartbeats
// as it goes, and is cancelled through its heartbeat when the broadcast is.
type Broadcasts struct {
	Store *models.Store
	// Segments reads the segment a broadcast goes to.
	Segments SegmentMembers
	LINE     *LINE
	// Rate is how many multicast requests one broadcast sends a second
	// (config.Config.BroadcastRate); 0 means no pause between them.
	Rate int
}

// SegmentMembers is what a broadcast reads of its segment: the Store's segment methods
// (package worker adapts them). The conditions travel as JSON, frozen in the broadcast
// when it starts, so that this package needs nothing of the segment language.
type SegmentMembers interface {
	// Definition returns the segment's conditions as JSON; models.ErrNotFound when the
	// workspace has no such segment.
	Definition(ctx context.Context, workspaceID, segmentID string) ([]byte, error)
	// Members returns up to limit friends of the LINE account lineAccountID the
	// conditions select who have not blocked it, in friend ID order, after the friend ID
	// afterFriendID.
	Members(ctx context.Context, workspaceID string, definition []byte, lineAccountID, afterFriendID string, limit int) ([]SegmentMember, error)
}

// SegmentMember is one friend a segment selects, on the LINE account they are a friend of.
type SegmentMember struct {
	FriendID      string
	LineAccountID string
	LineUserID    string
}

// BroadcastRef names a broadcast of a workspace.
type BroadcastRef struct {
	WorkspaceID string
	BroadcastID string
}

// BroadcastState is where a broadcast stands, as an activity left it.
type BroadcastState struct {
	Status       models.BroadcastStatus
	SnapshotDone bool
}

// SendInput asks for up to MaxBatches batches of a broadcast to be sent.
type SendInput struct {
	Broadcast  BroadcastRef
	MaxBatches int
}

// SendOutcome says why Send returned.
type SendOutcome struct {
	// Next is "more" (MaxBatches sent, some left), "done" (every batch sent), "stopped"
	// (LINE's monthly quota), "failed" (LINE refused a batch) or "ended" (the broadcast
	// was cancelled or ended by someone else).
	Next string
	// Reason is why it stopped or failed, in words a marketer reads.
	Reason string
}

// The values of SendOutcome.Next.
const (
	SendMore    = "more"
	SendDone    = "done"
	SendStopped = "stopped"
	SendFailed  = "failed"
	SendEnded   = "ended"
)

// FinishInput ends a broadcast with a status and the reason for it.
type FinishInput struct {
	Broadcast BroadcastRef
	Status    models.BroadcastStatus
	Reason    string
}

// QuotaStopReason is the stop reason a broadcast shows when LINE's monthly quota is spent.
const QuotaStopReason = "LINE's monthly message limit is reached: the rest is kept, and a resume sends it once the limit resets or is raised"

// snapshotPageSize is how many segment members one page copies; snapshotPages bounds the
// pages one activity copies before it reports back, so that an attempt stays short.
const (
	snapshotPageSize = 2000
	snapshotPages    = 50
)

// Begin starts a broadcast whose time has come: running, with its segment's conditions
// as they are now kept for its recipients to be read with. A broadcast whose segment
// has been deleted fails. It returns the broadcast's state: anything but running means
// there is nothing to do (it was cancelled meanwhile).
func (b *Broadcasts) Begin(ctx context.Context, ref BroadcastRef) (BroadcastState, error) {
	bc, err := b.broadcast(ctx, ref)
	if err != nil {
		return BroadcastState{}, err
	}
	if bc.Status.Finished() || len(bc.SegmentDefinition) > 0 {
		return BroadcastState{Status: bc.Status, SnapshotDone: bc.SnapshotDone}, nil
	}
	definition, err := b.Segments.Definition(ctx, ref.WorkspaceID, bc.SegmentID)
	if errors.Is(err, models.ErrNotFound) {
		bc, err = b.Store.FinishBroadcast(ctx, ref.WorkspaceID, ref.BroadcastID, models.BroadcastFailed, "the segment was deleted before the broadcast started")
		if err != nil {
			return BroadcastState{}, err
		}
		return BroadcastState{Status: bc.Status}, nil
	}
	if err != nil {
		return BroadcastState{}, fmt.Errorf("read segment %s of broadcast %s: %w", bc.SegmentID, ref.BroadcastID, err)
	}
	bc, err = b.Store.BeginBroadcast(ctx, ref.WorkspaceID, ref.BroadcastID, definition)
	if err != nil {
		return BroadcastState{}, err
	}
	return BroadcastState{Status: bc.Status, SnapshotDone: bc.SnapshotDone}, nil
}

// Snapshot copies the broadcast's recipients, pages of segment members who have not
// blocked its LINE account, into the broadcast's own list, where the copy left off; it
// returns after a bounded number of pages, or when the copy is done or the broadcast is
// no longer running.
func (b *Broadcasts) Snapshot(ctx context.Context, ref BroadcastRef) (BroadcastState, error) {
	for range snapshotPages {
		bc, err := b.broadcast(ctx, ref)
		if err != nil {
			return BroadcastState{}, err
		}
		if bc.SnapshotDone || bc.Status != models.BroadcastRunning {
			return BroadcastState{Status: bc.Status, SnapshotDone: bc.SnapshotDone}, nil
		}
		members, err := b.Segments.Members(ctx, ref.WorkspaceID, bc.SegmentDefinition, bc.LineAccountID, bc.SnapshotAfter, snapshotPageSize)
		if err != nil {
			return BroadcastState{}, fmt.Errorf("read recipients of broadcast %s after %q: %w", bc.ID, bc.SnapshotAfter, err)
		}
		next := bc.SnapshotAfter
		page := make([]models.BroadcastRecipient, len(members))
		for i, m := range members {
			next = m.FriendID
			page[i] = models.BroadcastRecipient{FriendID: m.FriendID, LineUserID: m.LineUserID}
		}
		if _, err := b.Store.AddBroadcastRecipients(ctx, ref.WorkspaceID, bc.ID, bc.SnapshotAfter, next, page, len(members) < snapshotPageSize); err != nil {
			return BroadcastState{}, err
		}
		heartbeat(ctx, next)
	}
	bc, err := b.broadcast(ctx, ref)
	if err != nil {
		return BroadcastState{}, err
	}
	return BroadcastState{Status: bc.Status, SnapshotDone: bc.SnapshotDone}, nil
}

// Send sends the broadcast's next batches, up to in.MaxBatches, at most Rate requests
// a second. Before each batch it reads the broadcast, so a cancellation recorded in the
// database stops it at the next batch even if Temporal's cancel never arrives. LINE's
// monthly quota stops it with the batch unsent (it stays in the remainder); a batch LINE
// refuses is recorded as failed and fails the broadcast, since LINE would refuse the
// same messages in every batch. Anything retryable (LINE down, rate limited, a timeout)
// is returned for Temporal to retry the activity, which then resumes at that batch.
func (b *Broadcasts) Send(ctx context.Context, in SendInput) (SendOutcome, error) {
	ref := in.Broadcast
	pace := newPacer(b.Rate)
	for range in.MaxBatches {
		bc, err := b.broadcast(ctx, ref)
		if err != nil {
			return SendOutcome{}, err
		}
		if bc.Status != models.BroadcastRunning {
			return SendOutcome{Next: SendEnded}, nil
		}
		next, err := b.Store.NextBroadcastBatch(ctx, bc.ID)
		if err != nil {
			return SendOutcome{}, err
		}
		if next >= bc.Batches() {
			return SendOutcome{Next: SendDone}, nil
		}
		recipients, err := b.Store.BroadcastBatchRecipients(ctx, bc.ID, next)
		if err != nil {
			return SendOutcome{}, err
		}
		var userIDs []string
		for _, r := range recipients {
			if IsLineUserID(r.LineUserID) {
				userIDs = append(userIDs, r.LineUserID)
			}
		}
		record := models.BroadcastBatch{BroadcastID: bc.ID, Batch: next, Failed: len(recipients) - len(userIDs)}
		if len(userIDs) > 0 {
			if err := pace.wait(ctx); err != nil {
				return SendOutcome{}, err
			}
			heartbeat(ctx, next)
			var messages []json.RawMessage
			if err := json.Unmarshal(bc.Messages, &messages); err != nil {
				return SendOutcome{}, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("broadcast %s: its messages do not read: %v", bc.ID, err), ErrLineRejected, nil)
			}
			sent, err := b.LINE.Multicast(ctx, MulticastInput{
				WorkspaceID:   ref.WorkspaceID,
				LineAccountID: bc.LineAccountID,
				LineUserIDs:   userIDs,
				Messages:      messages,
				RetryKey:      BroadcastRetryKey(bc.ID, next),
			})
			switch {
			case err == nil:
				record.Sent, record.RequestID = len(userIDs), sent.RequestID
			case isApplicationError(err, ErrLineQuotaExceeded):
				activity.GetLogger(ctx).Warn("broadcast stopped by LINE's monthly quota", "broadcast", bc.ID, "batch", next, "error", err)
				return SendOutcome{Next: SendStopped, Reason: QuotaStopReason}, nil
			case isApplicationError(err, ErrLineRejected):
				activity.GetLogger(ctx).Error("LINE refused a broadcast batch", "broadcast", bc.ID, "batch", next, "error", err)
				record.Failed = len(recipients)
				if err := b.Store.RecordBroadcastBatch(ctx, ref.WorkspaceID, record); err != nil {
					return SendOutcome{}, err
				}
				return SendOutcome{Next: SendFailed, Reason: fmt.Sprintf("batch %d of %d: %s", next+1, bc.Batches(), lineWords(err))}, nil
			default:
				return SendOutcome{}, err
			}
		}
		if err := b.Store.RecordBroadcastBatch(ctx, ref.WorkspaceID, record); err != nil {
			return SendOutcome{}, err
		}
	}
	return SendOutcome{Next: SendMore}, nil
}

// Finish ends the broadcast with in.Status unless it ended otherwise meanwhile.
func (b *Broadcasts) Finish(ctx context.Context, in FinishInput) error {
	_, err := b.Store.FinishBroadcast(ctx, in.Broadcast.WorkspaceID, in.Broadcast.BroadcastID, in.Status, in.Reason)
	if errors.Is(err, models.ErrNotFound) {
		return nil // deleted with its LINE account or workspace: nothing to finish
	}
	return err
}

// broadcast reads the broadcast; one that is gone (its LINE account or workspace was
// deleted) is a non-retryable ErrNotFound.
func (b *Broadcasts) broadcast(ctx context.Context, ref BroadcastRef) (models.Broadcast, error) {
	bc, err := b.Store.GetBroadcast(ctx, ref.WorkspaceID, ref.BroadcastID)
	if errors.Is(err, models.ErrNotFound) {
		return bc, temporal.NewNonRetryableApplicationError(fmt.Sprintf("broadcast %s of workspace %s: not found", ref.BroadcastID, ref.WorkspaceID), ErrNotFound, nil)
	}
	return bc, err
}

// broadcastRetryKeyNamespace scopes the UUIDs of broadcast batches' retry keys.
var broadcastRetryKeyNamespace = uuid.MustParse("0b8f2d1e-6a4c-4e57-9f3a-2c71d5e8b604")

// BroadcastRetryKey is batch n's X-Line-Retry-Key: a UUID derived from the broadcast and
// the batch number, the same on every attempt and every resume.
func BroadcastRetryKey(broadcastID string, n int) string {
	return uuid.NewSHA1(broadcastRetryKeyNamespace, []byte(broadcastID+"/"+strconv.Itoa(n))).String()
}

func isApplicationError(err error, errType string) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == errType
}

// lineWords is what LINE said of a refused request, as lineFailure wrote it ("LINE
// multicast: 400 Bad Request: …"): LINE's answer, which the marketer can act on, as
// the auto message test send shows it.
func lineWords(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return "LINE refused the request"
}

func heartbeat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}

// pacer spaces requests at most rate a second apart: each may start one interval after
// the one before, never sooner, and a slow one does not earn the next a burst.
type pacer struct {
	interval time.Duration
	next     time.Time
	now      func() time.Time
}

func newPacer(rate int) *pacer {
	p := &pacer{now: time.Now}
	if rate > 0 {
		p.interval = time.Second / time.Duration(rate)
	}
	return p
}

// delay is how long a request about to start at now must wait, and books its slot.
func (p *pacer) delay(now time.Time) time.Duration {
	if p.interval == 0 {
		return 0
	}
	wait := time.Duration(0)
	if now.Before(p.next) {
		wait = p.next.Sub(now)
	}
	p.next = now.Add(wait + p.interval)
	return wait
}

// wait sleeps until the next request may start, or until ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	d := p.delay(p.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
