package models

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// EnsureTags creates those of names the workspace does not have yet. Tags are labels,
// created by the first workflow that adds them; creating one twice is harmless.
func (s *Store) EnsureTags(ctx context.Context, workspaceID string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	tags := make([]Tag, 0, len(names))
	for _, name := range names {
		tags = append(tags, Tag{ID: NewID(), WorkspaceID: workspaceID, Name: name})
	}
	err := s.db.WithContext(ctx).
		Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "workspace_id"}, {Name: "name"}}, DoNothing: true}).
		Create(&tags).Error
	if err != nil {
		return fmt.Errorf("create tags: %w", err)
	}
	return nil
}
