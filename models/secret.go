package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Secret is a named value of a workspace that definitions refer to by name and never
// hold: the key that signs a send_data step's requests, say. The value is sealed at rest
// and is read only by the worker, through OpenSecret; the API never returns it.
type Secret struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	// Name is unique in the workspace: 1 to 64 letters, digits, _ or - (the API checks).
	Name string `gorm:"not null"`
	// ValueSealed is a secrets.Box value bound to the workspace and the name; empty in
	// what ListSecretNames returns.
	ValueSealed string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// secretValuePlace binds a sealed value to its workspace and name, so that a value
// copied into another row, or another workspace's, does not open.
func secretValuePlace(workspaceID, name string) string {
	return "secrets/" + workspaceID + "/" + name
}

// PutSecret sets the workspace's secret name to value, creating it or replacing its
// value (created tells which). Replacing keeps createdAt and moves updatedAt.
func (s *Store) PutSecret(ctx context.Context, workspaceID, name, value string) (secret Secret, created bool, err error) {
	if name == "" || value == "" {
		return Secret{}, false, fmt.Errorf("put secret: %w: empty name or value", ErrInvalidInput)
	}
	sealed, err := s.box.Seal(value, secretValuePlace(workspaceID, name))
	if err != nil {
		return Secret{}, false, err
	}
	now := time.Now().UTC()
	row := Secret{ID: NewID(), WorkspaceID: workspaceID, Name: name, ValueSealed: sealed, CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).
		Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "name"}},
			DoUpdates: clause.AssignmentColumns([]string{"value_sealed", "updated_at"}),
		}).
		Create(&row).Error
	if err != nil {
		return Secret{}, false, fmt.Errorf("put secret %q: %w", name, err)
	}
	secret, err = s.getSecret(ctx, workspaceID, name)
	if err != nil {
		return Secret{}, false, fmt.Errorf("put secret %q: read back: %w", name, err)
	}
	secret.ValueSealed = ""
	return secret, secret.ID == row.ID, nil
}

func (s *Store) getSecret(ctx context.Context, workspaceID, name string) (Secret, error) {
	var secret Secret
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND name = ?", workspaceID, name).Take(&secret).Error
	return secret, notFound(err)
}

// ListSecretNames lists the workspace's secrets, newest first, without their values.
func (s *Store) ListSecretNames(ctx context.Context, workspaceID string, page Page) ([]Secret, string, error) {
	q := s.db.WithContext(ctx).Omit("value_sealed").Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(x Secret) string { return x.ID })
}

// DeleteSecret deletes the workspace's secret name. Steps that name it fail from then
// on (activation refuses a definition that names a secret the workspace lacks).
func (s *Store) DeleteSecret(ctx context.Context, workspaceID, name string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND name = ?", workspaceID, name).Delete(&Secret{})
	if res.Error != nil {
		return fmt.Errorf("delete secret %q: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// OpenSecret returns the value of the workspace's secret name, for the worker that signs
// or authenticates with it; ErrNotFound when the workspace has no such secret.
func (s *Store) OpenSecret(ctx context.Context, workspaceID, name string) (string, error) {
	secret, err := s.getSecret(ctx, workspaceID, name)
	if err != nil {
		return "", err
	}
	value, err := s.box.Open(secret.ValueSealed, secretValuePlace(workspaceID, name))
	if err != nil {
		return "", fmt.Errorf("open secret %q: %w", name, err)
	}
	return value, nil
}
