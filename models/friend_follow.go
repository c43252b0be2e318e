package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// What LINE's follow and unfollow events change about a friend.

// FollowFriend records that lineUserID added (or unblocked) the account at at: the
// friend is created or their profile refreshed, FollowedAt set and BlockedAt cleared.
// wasBlocked tells whether the friend had blocked the account until now (LINE's
// follow.isUnblocked).
func (s *Store) FollowFriend(ctx context.Context, workspaceID, lineAccountID, lineUserID string, profile FriendProfile, at time.Time) (friend Friend, wasBlocked bool, err error) {
	friend, err = s.UpsertFriend(ctx, workspaceID, lineAccountID, lineUserID, profile)
	if err != nil {
		return friend, false, err
	}
	wasBlocked = friend.BlockedAt != nil
	at = at.UTC()
	err = s.db.WithContext(ctx).Model(&Friend{}).
		Where("workspace_id = ? AND id = ?", workspaceID, friend.ID).
		Updates(map[string]any{"followed_at": at, "blocked_at": gorm.Expr("NULL"), "updated_at": s.db.NowFunc()}).Error
	if err != nil {
		return friend, false, fmt.Errorf("follow friend %s: %w", friend.ID, err)
	}
	friend.FollowedAt, friend.BlockedAt = &at, nil
	return friend, wasBlocked, nil
}

// BlockFriend records that lineUserID blocked the account at at (LINE's unfollow
// event). A user Lumo never saw is recorded, blocked.
func (s *Store) BlockFriend(ctx context.Context, workspaceID, lineAccountID, lineUserID string, at time.Time) (Friend, error) {
	friend, err := s.UpsertFriend(ctx, workspaceID, lineAccountID, lineUserID, FriendProfile{})
	if err != nil {
		return friend, err
	}
	at = at.UTC()
	err = s.db.WithContext(ctx).Model(&Friend{}).
		Where("workspace_id = ? AND id = ?", workspaceID, friend.ID).
		Updates(map[string]any{"blocked_at": at, "updated_at": s.db.NowFunc()}).Error
	if err != nil {
		return friend, fmt.Errorf("block friend %s: %w", friend.ID, err)
	}
	friend.BlockedAt = &at
	return friend, nil
}

// FriendAwaitingAnswer returns the friend's running execution that waits for an answer
// to a question, the most recently asked if several do; ok is false when none waits.
func (s *Store) FriendAwaitingAnswer(ctx context.Context, workspaceID, friendID string) (execution Execution, ok bool, err error) {
	err = s.db.WithContext(ctx).Table("executions AS e").Select("e.*").
		Joins("JOIN execution_steps AS s ON s.execution_id = e.id").
		Where("e.workspace_id = ? AND e.friend_id = ? AND e.status = ?", workspaceID, friendID, ExecutionRunning).
		Where("s.outcome = ? AND s.node_type = ? AND s.finished_at IS NULL", "waiting", "question").
		Order("s.started_at DESC, s.id DESC").Limit(1).Take(&execution).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Execution{}, false, nil
	}
	if err != nil {
		return Execution{}, false, fmt.Errorf("find the question friend %s is answering: %w", friendID, err)
	}
	return execution, true, nil
}
