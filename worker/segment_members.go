package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// StoreSegments reads segments for broadcasts (activities.SegmentMembers) through the
// Store's segment methods and the segment compiler behind them.
type StoreSegments struct {
	Store *models.Store
}

// Definition returns the segment's conditions as JSON.
func (s StoreSegments) Definition(ctx context.Context, workspaceID, segmentID string) ([]byte, error) {
	seg, err := s.Store.GetSegment(ctx, workspaceID, segmentID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(seg.Definition)
}

// Members returns a page of the members of the conditions definition on one LINE
// account who have not blocked it. Conditions that no longer read are a non-retryable
// error: reading them again cannot help.
func (s StoreSegments) Members(ctx context.Context, workspaceID string, definition []byte, lineAccountID, afterFriendID string, limit int) ([]activities.SegmentMember, error) {
	var d segments.Definition
	if err := json.Unmarshal(definition, &d); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("the segment's conditions do not read: %v", err), "BadSegmentDefinition", nil)
	}
	recipients, err := s.Store.SegmentRecipients(ctx, workspaceID, d, lineAccountID, afterFriendID, limit)
	if err != nil {
		return nil, err
	}
	members := make([]activities.SegmentMember, len(recipients))
	for i, r := range recipients {
		members[i] = activities.SegmentMember{FriendID: r.FriendID, LineAccountID: r.LineAccountID, LineUserID: r.LineUserID}
	}
	return members, nil
}
