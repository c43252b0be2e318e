package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// LineEvents are the database side of handling LINE webhook events (the inbox
// workflow): the friend's record, who waits for an answer, and which workflows an event
// triggers. Local activities: short, database-bound, and repeatable.
type LineEvents struct {
	Store *models.Store
	// LINE fetches profiles of friends who follow.
	LINE *LINE
	// QRFollowWindow is how long before a follow the account's only unclaimed QR code
	// scan may be made for the follow to claim it (models.Store.ClaimScan); zero means
	// models.DefaultFollowClaimWindow.
	QRFollowWindow time.Duration
}

// FriendEventInput is one event of a friend of an account.
type FriendEventInput struct {
	WorkspaceID   string
	LineAccountID string
	Event         models.LineEvent
}

// EventFriend is the friend an event came from, as recorded after it.
type EventFriend struct {
	FriendID   string
	LineUserID string
	// QRCodeID is the QR code a scan of which this event credited to the friend: their
	// follow, or their message carrying the scan's code.
	QRCodeID string
	// ScanMessage marks a text message carrying a QR code scan's code (the text the scan
	// put in the friend's input box): the scan's message, which is neither an answer,
	// nor a keyword message, nor an incoming message that ends runs. Credited or not
	// (QRCodeID), it is nothing else.
	ScanMessage bool
}

// RunRef names a running execution in Temporal.
type RunRef struct {
	ExecutionID        string
	TemporalWorkflowID string
}

// TriggeredInput asks which of an account's active workflows an event starts.
type TriggeredInput struct {
	WorkspaceID   string
	LineAccountID string
	Event         definition.TriggerEvent
}

// FriendFromEvent records what the event says about its friend: a follow creates or
// revives them with their LINE profile, an unfollow marks them blocked, anything else
// makes sure they exist. A profile LINE will not give is left for later: the follow
// still counts. A follow, or a text message carrying a QR code scan's code, may also
// claim a scan for the friend (EventFriend.QRCodeID).
func (a *LineEvents) FriendFromEvent(ctx context.Context, in FriendEventInput) (EventFriend, error) {
	e := in.Event
	var (
		friend models.Friend
		err    error
	)
	switch e.Type {
	case models.LineEventFollow:
		friend, _, err = a.Store.FollowFriend(ctx, in.WorkspaceID, in.LineAccountID, e.UserID, a.profile(ctx, in), e.Timestamp)
	case models.LineEventUnfollow:
		friend, err = a.Store.BlockFriend(ctx, in.WorkspaceID, in.LineAccountID, e.UserID, e.Timestamp)
	default:
		friend, err = a.Store.FriendByLineUser(ctx, in.WorkspaceID, in.LineAccountID, e.UserID)
		if errors.Is(err, models.ErrNotFound) {
			friend, err = a.Store.UpsertFriend(ctx, in.WorkspaceID, in.LineAccountID, e.UserID, a.profile(ctx, in))
		}
	}
	if err != nil {
		return EventFriend{}, storeFailure(fmt.Sprintf("record the friend of event %s", e.ID), err)
	}
	out := EventFriend{FriendID: friend.ID, LineUserID: friend.LineUserID}
	switch {
	case e.Type == models.LineEventFollow:
		// Without a scan code, a QR code scanned on this account just before, and no
		// other, is the likely way in: the scan URL cannot tell who scanned.
		window := a.QRFollowWindow
		if window == 0 {
			window = models.DefaultFollowClaimWindow
		}
		code, ok, err := a.Store.ClaimScan(ctx, in.WorkspaceID, in.LineAccountID, friend.ID, e.Timestamp, window)
		if err != nil {
			return EventFriend{}, storeFailure("attribute a QR code scan", err)
		}
		if ok {
			out.QRCodeID = code.ID
		}
	case e.Type == models.LineEventMessage && e.MessageType == "text":
		scanCode, ok := models.ScanCodeIn(e.Text)
		if !ok {
			break
		}
		out.ScanMessage = true
		code, ok, err := a.Store.ClaimScanCode(ctx, in.WorkspaceID, in.LineAccountID, friend.ID, scanCode, e.Timestamp)
		if err != nil {
			return EventFriend{}, storeFailure("claim a QR code scan by its code", err)
		}
		if ok {
			out.QRCodeID = code.ID
		}
	}
	return out, nil
}

func (a *LineEvents) profile(ctx context.Context, in FriendEventInput) models.FriendProfile {
	if a.LINE == nil {
		return models.FriendProfile{}
	}
	p, err := a.LINE.Profile(ctx, Recipient{WorkspaceID: in.WorkspaceID, LineAccountID: in.LineAccountID, LineUserID: in.Event.UserID})
	if err != nil {
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn("LINE profile not available", "lineUserId", in.Event.UserID, "error", err)
		}
		return models.FriendProfile{}
	}
	return models.FriendProfile{DisplayName: p.DisplayName, PictureURL: p.PictureURL, StatusMessage: p.StatusMessage, Language: p.Language}
}

// AwaitingAnswer names the friend's run that waits for an answer (the most recently
// asked question), or none.
func (a *LineEvents) AwaitingAnswer(ctx context.Context, friend FriendRef) (RunRef, error) {
	x, ok, err := a.Store.FriendAwaitingAnswer(ctx, friend.WorkspaceID, friend.FriendID)
	if err != nil || !ok {
		return RunRef{}, storeFailure("find the waiting question", err)
	}
	return RunRef{ExecutionID: x.ID, TemporalWorkflowID: x.TemporalWorkflowID}, nil
}

// RunningOfFriend lists the friend's running runs.
func (a *LineEvents) RunningOfFriend(ctx context.Context, friend FriendRef) ([]RunRef, error) {
	runs, err := a.Store.RunningExecutionsOfFriend(ctx, friend.WorkspaceID, friend.FriendID)
	if err != nil {
		return nil, storeFailure("list the friend's runs", err)
	}
	refs := make([]RunRef, len(runs))
	for i, x := range runs {
		refs[i] = RunRef{ExecutionID: x.ID, TemporalWorkflowID: x.TemporalWorkflowID}
	}
	return refs, nil
}

// Triggered returns the IDs of the account's active workflows whose trigger accepts
// the event.
func (a *LineEvents) Triggered(ctx context.Context, in TriggeredInput) ([]string, error) {
	candidates, err := a.Store.TriggeredWorkflows(ctx, in.WorkspaceID, in.LineAccountID, []string{in.Event.Type})
	if err != nil {
		return nil, storeFailure("find triggered workflows", err)
	}
	var ids []string
	for _, w := range candidates {
		def, problems := definition.Parse(w.Definition, definition.Limits{MaxBytes: len(w.Definition) + 1, MaxNodes: 1 << 20})
		if def == nil {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("version %d of workflow %s does not parse: %v", w.Version, w.WorkflowID, problems), "GraphBroken", nil)
		}
		if def.Trigger.Accepts(in.Event) {
			ids = append(ids, w.WorkflowID)
		}
	}
	return ids, nil
}
