package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FriendProfile is what LINE's profile endpoint says about a friend. Empty fields leave
// what is stored as it is, so a failed profile fetch never blanks a known name.
type FriendProfile struct {
	DisplayName   string
	PictureURL    string
	StatusMessage string
	Language      string
}

// ErrInvalidInput marks a call the Store refuses for its arguments alone, so that
// repeating it cannot help; the errors returned wrap it.
var ErrInvalidInput = errors.New("invalid input")

var (
	// ErrEmptyTagName refuses a tag without a name.
	ErrEmptyTagName = fmt.Errorf("%w: a tag needs a name", ErrInvalidInput)
	// ErrEmptyFieldName refuses a custom field without a name.
	ErrEmptyFieldName = fmt.Errorf("%w: a field needs a name", ErrInvalidInput)
)

// UpsertFriend returns the friend that lineUserID is on the workspace's account
// lineAccountID, creating it on first sight; a second call with the same pair updates the
// profile and returns the same friend. An account that is not the workspace's is
// ErrNotFound.
func (s *Store) UpsertFriend(ctx context.Context, workspaceID, lineAccountID, lineUserID string, profile FriendProfile) (Friend, error) {
	if lineUserID == "" {
		return Friend{}, fmt.Errorf("upsert friend: %w: empty LINE user ID", ErrInvalidInput)
	}
	db := s.db.WithContext(ctx)
	if err := rowExists(db, "line_accounts", workspaceID, lineAccountID); err != nil {
		return Friend{}, fmt.Errorf("upsert friend of line account %s: %w", lineAccountID, err)
	}
	friend := Friend{
		ID:            NewID(),
		WorkspaceID:   workspaceID,
		LineAccountID: lineAccountID,
		LineUserID:    lineUserID,
		DisplayName:   profile.DisplayName,
		PictureURL:    profile.PictureURL,
		StatusMessage: profile.StatusMessage,
		Language:      profile.Language,
		Fields:        map[string]any{},
	}
	keep := func(column string) clause.Assignment {
		return clause.Assignment{
			Column: clause.Column{Name: column},
			Value:  gorm.Expr("COALESCE(NULLIF(excluded." + column + ", ''), friends." + column + ")"),
		}
	}
	err := db.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "line_account_id"}, {Name: "line_user_id"}},
		DoUpdates: clause.Set{
			keep("display_name"), keep("picture_url"), keep("status_message"), keep("language"),
			{Column: clause.Column{Name: "updated_at"}, Value: gorm.Expr("excluded.updated_at")},
		},
	}).Create(&friend).Error
	if err != nil {
		return Friend{}, fmt.Errorf("upsert friend: %w", err)
	}
	return s.FriendByLineUser(ctx, workspaceID, lineAccountID, lineUserID)
}

// GetFriend returns one of the workspace's friends.
func (s *Store) GetFriend(ctx context.Context, workspaceID, id string) (Friend, error) {
	var friend Friend
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&friend).Error
	return friend, notFound(err)
}

// FriendByLineUser returns the friend lineUserID is on the workspace's account
// lineAccountID: how a webhook event finds its friend.
func (s *Store) FriendByLineUser(ctx context.Context, workspaceID, lineAccountID, lineUserID string) (Friend, error) {
	var friend Friend
	err := s.db.WithContext(ctx).
		Where("workspace_id = ? AND line_account_id = ? AND line_user_id = ?", workspaceID, lineAccountID, lineUserID).
		Take(&friend).Error
	return friend, notFound(err)
}

// FriendTags returns the names of the friend's tags, sorted.
func (s *Store) FriendTags(ctx context.Context, workspaceID, friendID string) ([]string, error) {
	db := s.db.WithContext(ctx)
	names, err := friendTagNames(db, workspaceID, friendID)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		// No tags, or no such friend: only the second is an error.
		if err := rowExists(db, "friends", workspaceID, friendID); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// AddFriendTags puts the tags names on the friend, creating the tags the workspace does
// not have yet. With removePrefix set, it also takes off the friend's other tags whose
// names start with it, in the same transaction, so the latest answer to a question is the
// only one the friend carries. Repeating a call changes nothing.
func (s *Store) AddFriendTags(ctx context.Context, workspaceID, friendID string, names []string, removePrefix string) error {
	names, err := tagNames(names)
	if err != nil {
		return err
	}
	return s.changeFriend(ctx, workspaceID, friendID, func(tx *gorm.DB, _ *Friend) error {
		if removePrefix != "" {
			current, err := friendTagRows(tx, friendID)
			if err != nil {
				return err
			}
			var drop []string
			for _, t := range current {
				if strings.HasPrefix(t.Name, removePrefix) && !slices.Contains(names, t.Name) {
					drop = append(drop, t.ID)
				}
			}
			if len(drop) > 0 {
				if err := tx.Where("friend_id = ? AND tag_id IN ?", friendID, drop).Delete(&FriendTag{}).Error; err != nil {
					return fmt.Errorf("remove tags with prefix %q: %w", removePrefix, err)
				}
			}
		}
		if len(names) == 0 {
			return nil
		}
		if err := (&Store{db: tx, box: s.box}).EnsureTags(ctx, workspaceID, names); err != nil {
			return err
		}
		var tagIDs []string
		if err := tx.Model(&Tag{}).Where("workspace_id = ? AND name IN ?", workspaceID, names).Order("name").Pluck("id", &tagIDs).Error; err != nil {
			return fmt.Errorf("find tags: %w", err)
		}
		now := tx.NowFunc()
		links := make([]FriendTag, 0, len(tagIDs))
		for _, id := range tagIDs {
			links = append(links, FriendTag{FriendID: friendID, TagID: id, WorkspaceID: workspaceID, CreatedAt: now})
		}
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&links).Error
		if err != nil {
			return fmt.Errorf("tag friend: %w", err)
		}
		return nil
	})
}

// RemoveFriendTags takes the tags names off the friend; names the friend does not carry,
// or the workspace does not have, are ignored.
func (s *Store) RemoveFriendTags(ctx context.Context, workspaceID, friendID string, names []string) error {
	names, err := tagNames(names)
	if err != nil {
		return err
	}
	return s.changeFriend(ctx, workspaceID, friendID, func(tx *gorm.DB, _ *Friend) error {
		if len(names) == 0 {
			return nil
		}
		tags := tx.Model(&Tag{}).Select("id").Where("workspace_id = ? AND name IN ?", workspaceID, names)
		if err := tx.Where("friend_id = ? AND tag_id IN (?)", friendID, tags).Delete(&FriendTag{}).Error; err != nil {
			return fmt.Errorf("untag friend: %w", err)
		}
		return nil
	})
}

// SetFriendField saves value in the friend's custom field; the other fields keep their
// values, also when other fields of the same friend are set at the same moment: the
// friend's row is locked from read to write.
func (s *Store) SetFriendField(ctx context.Context, workspaceID, friendID, field string, value any) error {
	if field == "" {
		return ErrEmptyFieldName
	}
	// Store what a read gives back: the JSON form of value (numbers become float64, structs
	// maps), and refuse what JSON cannot hold before taking any lock.
	encoded, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("field %q: %w: %w", field, ErrInvalidInput, err)
	}
	var decoded any
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		return fmt.Errorf("field %q: %w", field, err)
	}
	return s.changeFriend(ctx, workspaceID, friendID, func(tx *gorm.DB, f *Friend) error {
		fields := f.Fields
		if fields == nil {
			fields = map[string]any{}
		}
		fields[field] = decoded
		doc, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("set field %q: %w", field, err)
		}
		// JSON text, which both jsonb and TEXT columns take.
		err = tx.Model(&Friend{}).Where("id = ?", f.ID).
			Updates(map[string]any{"fields": string(doc), "updated_at": tx.NowFunc()}).Error
		if err != nil {
			return fmt.Errorf("set field %q: %w", field, err)
		}
		return nil
	})
}

// changeFriend locks one of the workspace's friends and lets change alter it and what
// hangs off it (tags, fields) in one transaction. Changes of one friend queue on its row;
// rows that merely reference it (its tags) stay free to be inserted.
func (s *Store) changeFriend(ctx context.Context, workspaceID, friendID string, change func(tx *gorm.DB, f *Friend) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Friend
		err := tx.Clauses(lockRow()).Where("workspace_id = ? AND id = ?", workspaceID, friendID).Take(&f).Error
		if err != nil {
			return notFound(err)
		}
		return change(tx, &f)
	})
}

// tagNames checks names and returns them sorted without repeats: inserting in one order
// keeps two transactions that create the same tags from deadlocking.
func tagNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n == "" {
			return nil, ErrEmptyTagName
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

type tagRow struct {
	ID   string
	Name string
}

func friendTagRows(db *gorm.DB, friendID string) ([]tagRow, error) {
	var rows []tagRow
	err := db.Table("friend_tags").Select("tags.id, tags.name").
		Joins("JOIN tags ON tags.id = friend_tags.tag_id").
		Where("friend_tags.friend_id = ?", friendID).
		Order("tags.name").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read friend's tags: %w", err)
	}
	return rows, nil
}

func friendTagNames(db *gorm.DB, workspaceID, friendID string) ([]string, error) {
	names := []string{}
	err := db.Table("friend_tags").
		Joins("JOIN tags ON tags.id = friend_tags.tag_id").
		Where("friend_tags.workspace_id = ? AND friend_tags.friend_id = ?", workspaceID, friendID).
		Order("tags.name").Pluck("tags.name", &names).Error
	if err != nil {
		return nil, fmt.Errorf("read friend's tags: %w", err)
	}
	return names, nil
}

// rowExists is nil when table has a row id in the workspace, else ErrNotFound.
func rowExists(db *gorm.DB, table, workspaceID, id string) error {
	var n int64
	if err := db.Table(table).Where("workspace_id = ? AND id = ?", workspaceID, id).Limit(1).Count(&n).Error; err != nil {
		return fmt.Errorf("look up %s %s: %w", table, id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
