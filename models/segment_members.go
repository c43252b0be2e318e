package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/segments"
)

// Who is in a segment: every question is one query through the segment compiler
// (segments.Where), read fresh, never cached.

// members is a query over the workspace's friends who are members of d.
func (s *Store) members(ctx context.Context, workspaceID string, d segments.Definition) *gorm.DB {
	return segments.Where(s.db.WithContext(ctx).Model(&Friend{}), workspaceID, d)
}

// CountSegment counts the workspace's friends who are members of d now.
func (s *Store) CountSegment(ctx context.Context, workspaceID string, d segments.Definition) (int64, error) {
	var n int64
	if err := s.members(ctx, workspaceID, d).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count segment members: %w", err)
	}
	return n, nil
}

// PreviewSegment returns up to limit members of d, newest first (limit 1 to
// MaxPageLimit, else ErrBadLimit).
func (s *Store) PreviewSegment(ctx context.Context, workspaceID string, d segments.Definition, limit int) ([]Friend, error) {
	if limit < 1 || limit > MaxPageLimit {
		return nil, ErrBadLimit
	}
	var friends []Friend
	if err := s.members(ctx, workspaceID, d).Order("friends.id DESC").Limit(limit).Find(&friends).Error; err != nil {
		return nil, fmt.Errorf("preview segment: %w", err)
	}
	return friends, nil
}

// IsSegmentMember tells whether the friend is a member of the workspace's segment at
// this moment: the branch step's question, so it reads the segment and the friend's data
// fresh. A segment that is not the workspace's is ErrNotFound; a friend that is not, a
// non-member.
func (s *Store) IsSegmentMember(ctx context.Context, workspaceID, segmentID, friendID string) (bool, error) {
	seg, err := s.GetSegment(ctx, workspaceID, segmentID)
	if err != nil {
		return false, err
	}
	var n int64
	err = s.members(ctx, workspaceID, seg.Definition).Where("friends.id = ?", friendID).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("is friend %s in segment %s: %w", friendID, segmentID, err)
	}
	return n > 0, nil
}

// Recipient is a segment member a message can be sent to.
type Recipient struct {
	FriendID      string
	LineAccountID string
	LineUserID    string
}

// SegmentRecipients returns up to limit members of d who do not block their account,
// in friend ID order after afterFriendID ("" from the start): a broadcast reads its
// recipients a page at a time, each page starting after the last ID of the one before,
// so that friends joining or leaving meanwhile neither repeat nor shift a page.
// lineAccountID, when set, keeps that account's friends only. limit is 1 to 10,000.
func (s *Store) SegmentRecipients(ctx context.Context, workspaceID string, d segments.Definition, lineAccountID, afterFriendID string, limit int) ([]Recipient, error) {
	if limit < 1 || limit > MaxRecipientsPage {
		return nil, fmt.Errorf("segment recipients: %w: limit must be between 1 and %d", ErrInvalidInput, MaxRecipientsPage)
	}
	q := s.members(ctx, workspaceID, d).Where("friends.blocked_at IS NULL")
	if lineAccountID != "" {
		q = q.Where("friends.line_account_id = ?", lineAccountID)
	}
	if afterFriendID != "" {
		q = q.Where("friends.id > ?", afterFriendID)
	}
	var rows []Recipient
	err := q.Select("friends.id AS friend_id, friends.line_account_id, friends.line_user_id").
		Order("friends.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("segment recipients: %w", err)
	}
	return rows, nil
}

// MaxRecipientsPage is the largest page SegmentRecipients returns.
const MaxRecipientsPage = 10_000
