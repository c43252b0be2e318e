package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Workspace is a tenant: every other row belongs to exactly one.
type Workspace struct {
	ID        string    `gorm:"primaryKey"`
	Name      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// CreateWorkspace makes a workspace with its first API key, and returns the key's
// plaintext: it is shown once and stored only as a hash.
func (s *Store) CreateWorkspace(ctx context.Context, name string) (Workspace, string, error) {
	ws := Workspace{ID: NewID(), Name: name}
	var plaintext string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&ws).Error; err != nil {
			return fmt.Errorf("create workspace: %w", err)
		}
		key, secret, err := newAPIKey(ws.ID, "default", "")
		if err != nil {
			return err
		}
		if err := tx.Create(&key).Error; err != nil {
			return fmt.Errorf("create api key: %w", err)
		}
		plaintext = secret
		return nil
	})
	return ws, plaintext, err
}

// EnsureDevWorkspace returns the workspace named name, creating it if missing, and makes
// sure apiKey (a plaintext the operator chose) authenticates to it as its dev key. It is
// how `lumo dev` honours LUMO_DEV_API_KEY across restarts: the previous dev key is
// revoked when the value changes (and revived if it changes back), while keys made
// through the API are left alone. It refuses a key that already belongs to another
// workspace.
func (s *Store) EnsureDevWorkspace(ctx context.Context, name, apiKey string) (Workspace, error) {
	var ws Workspace
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("name = ?", name).Order("id").Limit(1).Find(&ws).Error
		if err != nil {
			return fmt.Errorf("find dev workspace: %w", err)
		}
		if ws.ID == "" {
			ws = Workspace{ID: NewID(), Name: name}
			if err := tx.Create(&ws).Error; err != nil {
				return fmt.Errorf("create dev workspace: %w", err)
			}
		}
		var key APIKey
		if err := tx.Where("key_hash = ?", hashAPIKey(apiKey)).Limit(1).Find(&key).Error; err != nil {
			return fmt.Errorf("find dev api key: %w", err)
		}
		switch {
		case key.ID == "":
			if key, _, err = newAPIKey(ws.ID, "dev", apiKey); err != nil {
				return err
			}
			key.Dev = true
			if err := tx.Create(&key).Error; err != nil {
				return fmt.Errorf("create dev api key: %w", err)
			}
		case key.WorkspaceID != ws.ID:
			return &ConflictError{Message: fmt.Sprintf("the dev API key already belongs to workspace %s", key.WorkspaceID)}
		case key.RevokedAt != nil || !key.Dev:
			// LUMO_DEV_API_KEY went back to a key it had revoked, or names a key made
			// through the API: either way it is the dev key now, live, and the next new
			// value revokes it.
			err := tx.Model(&APIKey{}).Where("id = ?", key.ID).
				Updates(map[string]any{"revoked_at": nil, "dev": true}).Error
			if err != nil {
				return fmt.Errorf("revive dev api key: %w", err)
			}
		}
		err = tx.Model(&APIKey{}).
			Where("workspace_id = ? AND dev = ? AND id <> ? AND revoked_at IS NULL", ws.ID, true, key.ID).
			Update("revoked_at", time.Now().UTC().Truncate(time.Microsecond)).Error
		if err != nil {
			return fmt.Errorf("revoke the previous dev api key: %w", err)
		}
		return nil
	})
	return ws, err
}

// GetWorkspace returns one workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (Workspace, error) {
	var ws Workspace
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&ws).Error
	return ws, notFound(err)
}
