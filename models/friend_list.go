package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FriendFilter narrows ListFriends; its zero value lists every friend of the workspace.
// The filters that are set must all hold.
type FriendFilter struct {
	// Tag keeps the friends carrying the tag of that name. A name the workspace has no tag
	// of is not an error: no friend carries it.
	Tag string
	// Query keeps the friends whose display name contains it, ignoring case, and the
	// friend whose LINE user ID it is exactly. Case is folded by the database's LOWER on
	// both sides: ASCII letters everywhere, other letters where the database knows their
	// case (PostgreSQL by its locale; SQLite does not).
	Query string
	// LineAccountID keeps one account's friends; an account that is not the workspace's is
	// a *FieldError on "lineAccountId".
	LineAccountID string
	// Blocked, when set, keeps the friends who block their account (true) or those who do
	// not (false).
	Blocked *bool
}

// ListFriends lists the workspace's friends, newest first (the first seen first), one
// page at a time. Their tags are a separate call, TagsOfFriends, one query for a page.
func (s *Store) ListFriends(ctx context.Context, workspaceID string, filter FriendFilter, page Page) ([]Friend, string, error) {
	db := s.db.WithContext(ctx)
	if filter.LineAccountID != "" {
		err := rowExists(db, "line_accounts", workspaceID, filter.LineAccountID)
		if errors.Is(err, ErrNotFound) {
			return nil, "", &FieldError{Field: "lineAccountId", Message: "no LINE account with this ID in the workspace"}
		}
		if err != nil {
			return nil, "", fmt.Errorf("list friends: %w", err)
		}
	}
	q := db.Where("workspace_id = ?", workspaceID)
	if filter.LineAccountID != "" {
		q = q.Where("line_account_id = ?", filter.LineAccountID)
	}
	if filter.Blocked != nil {
		if *filter.Blocked {
			q = q.Where("blocked_at IS NOT NULL")
		} else {
			q = q.Where("blocked_at IS NULL")
		}
	}
	if filter.Query != "" {
		q = q.Where(`(LOWER(display_name) LIKE LOWER(?) ESCAPE '\' OR line_user_id = ?)`,
			"%"+escapeLike(filter.Query)+"%", filter.Query)
	}
	if filter.Tag != "" {
		tagged := s.db.WithContext(ctx).Table("friend_tags").Select("friend_tags.friend_id").
			Joins("JOIN tags ON tags.id = friend_tags.tag_id").
			Where("tags.workspace_id = ? AND tags.name = ?", workspaceID, filter.Tag)
		q = q.Where("id IN (?)", tagged)
	}
	rows, next, err := listPage(q, page, func(f Friend) string { return f.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list friends: %w", err)
	}
	return rows, next, nil
}

// TagsOfFriends returns the tag names of each of the workspace's friends friendIDs, in
// one query: a page of ListFriends with its tags. Every ID has an entry, sorted by byte
// order so that both databases agree ([] for a friend without tags, or one that is not
// the workspace's).
func (s *Store) TagsOfFriends(ctx context.Context, workspaceID string, friendIDs []string) (map[string][]string, error) {
	tags := make(map[string][]string, len(friendIDs))
	for _, id := range friendIDs {
		tags[id] = []string{}
	}
	if len(friendIDs) == 0 {
		return tags, nil
	}
	var rows []struct {
		FriendID string
		Name     string
	}
	err := s.db.WithContext(ctx).Table("friend_tags").Select("friend_tags.friend_id, tags.name").
		Joins("JOIN tags ON tags.id = friend_tags.tag_id").
		Where("friend_tags.workspace_id = ? AND friend_tags.friend_id IN ?", workspaceID, friendIDs).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the tags of %d friends: %w", len(friendIDs), err)
	}
	for _, r := range rows {
		if names, ok := tags[r.FriendID]; ok {
			tags[r.FriendID] = append(names, r.Name)
		}
	}
	for _, names := range tags {
		slices.Sort(names)
	}
	return tags, nil
}

// likeEscaper makes a LIKE pattern match s literally, with \ as the ESCAPE character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }
