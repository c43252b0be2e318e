package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/segments"
)

// Who is in a segment: every question is one query through the segment compiler
// (segments.Where), read fresh, never cached.

// members is a query over the workspace's friends who are members of d.
func (s *Store) members(ctx context.Context, workspaceID string, d segments.Definition) *gorm.DB {
	return segments.Where(s.db.WithContext(ctx).Model(&Friend{}), workspaceID, d)
}

// CountSegment counts the workspace's friends who are members of d now, by
// segments.Count (each group a set of friend IDs, the sets UNIONed).
func (s *Store) CountSegment(ctx context.Context, workspaceID string, d segments.Definition) (int64, error) {
	var n int64
	err := s.segmentCount(ctx, func(tx *gorm.DB) error {
		return segments.Count(tx, workspaceID, d).Scan(&n).Error
	})
	if err != nil {
		return 0, fmt.Errorf("count segment members: %w", err)
	}
	return n, nil
}

// countWorkMem is the memory PostgreSQL may give each hash of a segment count: the
// UNION of a million-friend workspace's groups holds a few hundred thousand IDs, which
// the server's default (4 MB) would spill to disk.
const countWorkMem = "64MB"

// segmentCount runs count, a segment count, in a transaction of its own whose settings
// suit it on PostgreSQL. JIT is off: a count over a large workspace is estimated
// expensive enough for PostgreSQL to compile it with LLVM, which took longer than the
// count itself (hundreds of milliseconds, on every count, as each is a new statement).
func (s *Store) segmentCount(ctx context.Context, count func(tx *gorm.DB) error) error {
	db := s.db.WithContext(ctx)
	if db.Dialector.Name() != "postgres" {
		return count(db)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL work_mem = '" + countWorkMem + "'").Error; err != nil {
			return err
		}
		return count(tx)
	})
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

// ExplainSegmentCount runs CountSegment's query for d under EXPLAIN (ANALYZE, BUFFERS) on
// PostgreSQL and returns the plan's lines: what the benchmark shows and a test reads.
func (s *Store) ExplainSegmentCount(ctx context.Context, workspaceID string, d segments.Definition) ([]string, error) {
	if s.db.Dialector.Name() != "postgres" {
		return nil, fmt.Errorf("explain segment count: %w: PostgreSQL only", ErrInvalidInput)
	}
	sql, args, err := segments.CountSQL(s.db, workspaceID, d, time.Now())
	if err != nil {
		return nil, fmt.Errorf("explain segment count: %w", err)
	}
	var lines []string
	err = s.segmentCount(ctx, func(tx *gorm.DB) error {
		return tx.Raw("EXPLAIN (ANALYZE, BUFFERS) "+sql, args...).Scan(&lines).Error
	})
	if err != nil {
		return nil, fmt.Errorf("explain segment count: %w", err)
	}
	return lines, nil
}
