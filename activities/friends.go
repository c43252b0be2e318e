package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/internal/safetext"
	"github.com/lumoworkflows/lumo/models"
)

// Error types of the database activities' non-retryable errors. (Not in contracts.go
// yet; the line and executions activities use them too.)
const (
	// ErrNotFound: the friend, execution or LINE account is not the workspace's, or is
	// gone: retrying cannot bring it back.
	ErrNotFound = "NotFound"
	// ErrInvalidInput: the activity's input is one the Store refuses (an empty tag or
	// field name, an unknown status).
	ErrInvalidInput = "InvalidInput"
)

// Friends holds the activities that read and change a friend: what conditions test and
// templates fill in, and what tag and question steps save.
//
// They are meant to run as local activities: each is one short transaction on the
// worker's own database, so scheduling it through the Temporal server (about 110 ms an
// activity on a dev server, against about 20 ms local) would cost more than the work.
// Each is idempotent, so the local activity's retries (and a repeat after a workflow
// task is retried) are harmless.
type Friends struct {
	Store *models.Store
}

// Snapshot reads the friend as steps see it, fresh at the step.
func (f *Friends) Snapshot(ctx context.Context, in FriendRef) (FriendSnapshot, error) {
	friend, err := f.Store.GetFriend(ctx, in.WorkspaceID, in.FriendID)
	if err != nil {
		return FriendSnapshot{}, storeFailure("read friend "+in.FriendID, err)
	}
	tags, err := f.Store.FriendTags(ctx, in.WorkspaceID, in.FriendID)
	if err != nil {
		return FriendSnapshot{}, storeFailure("read tags of friend "+in.FriendID, err)
	}
	fields := friend.Fields
	if fields == nil {
		fields = map[string]any{}
	}
	return FriendSnapshot{
		ID:          friend.ID,
		LineUserID:  friend.LineUserID,
		DisplayName: friend.DisplayName,
		PictureURL:  friend.PictureURL,
		Language:    friend.Language,
		Tags:        tags,
		Fields:      fields,
		Blocked:     friend.BlockedAt != nil,
	}, nil
}

// AddTags puts in.Tags on the friend, creating tags the workspace lacks; with
// RemovePrefix it first takes off the friend's other tags with that prefix, in the same
// transaction. A tag may be made of a friend's answer, so each is made a one-line name
// first (safetext.Clean): a definition's own tags pass the same rule unchanged.
func (f *Friends) AddTags(ctx context.Context, in TagsInput) error {
	tags := make([]string, len(in.Tags))
	for i, tag := range in.Tags {
		tags[i] = safetext.Clean(tag)
	}
	err := f.Store.AddFriendTags(ctx, in.Friend.WorkspaceID, in.Friend.FriendID, tags, in.RemovePrefix)
	return storeFailure(fmt.Sprintf("tag friend %s with %q", in.Friend.FriendID, in.Tags), err)
}

// RemoveTags takes in.Tags off the friend; tags the friend lacks are ignored.
func (f *Friends) RemoveTags(ctx context.Context, in TagsInput) error {
	err := f.Store.RemoveFriendTags(ctx, in.Friend.WorkspaceID, in.Friend.FriendID, in.Tags)
	return storeFailure(fmt.Sprintf("untag friend %s of %q", in.Friend.FriendID, in.Tags), err)
}

// SetField saves in.Value in one of the friend's custom fields, leaving the others, even
// those set at the same moment by another journey, as they are.
func (f *Friends) SetField(ctx context.Context, in SetFieldInput) error {
	err := f.Store.SetFriendField(ctx, in.Friend.WorkspaceID, in.Friend.FriendID, in.Field, in.Value)
	return storeFailure(fmt.Sprintf("set field %q of friend %s", in.Field, in.Friend.FriendID), err)
}

// InSegment tells whether the friend is in the segment, read from the database now (a
// branch tests membership as it is at the step, never a cached count). A segment that is
// not the workspace's, or was deleted, is a non-retryable NotFound.
func (f *Friends) InSegment(ctx context.Context, in SegmentMemberInput) (bool, error) {
	member, err := f.Store.IsSegmentMember(ctx, in.Friend.WorkspaceID, in.SegmentID, in.Friend.FriendID)
	return member, storeFailure(fmt.Sprintf("read whether friend %s is in segment %s", in.Friend.FriendID, in.SegmentID), err)
}

// storeFailure wraps a Store error for Temporal: a row that is not there, or an input the
// Store refuses, will not change on a retry; anything else (a dropped connection, a
// busy database) may.
func storeFailure(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, models.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(op+": not found", ErrNotFound, err)
	case errors.Is(err, models.ErrInvalidInput):
		return temporal.NewNonRetryableApplicationError(op+": "+err.Error(), ErrInvalidInput, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}
