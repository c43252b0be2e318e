package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// APIKey authenticates API calls for one workspace. Only a SHA-256 of the key is stored,
// and no piece of its plaintext: keys are 256-bit random strings, so a fast hash is
// enough and lookups stay one index probe per request. People tell keys apart by name,
// ID and times.
type APIKey struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	Name        string `gorm:"not null"`
	KeyHash     string `gorm:"not null"`
	// Dev marks the key `lumo dev` keeps in step with LUMO_DEV_API_KEY
	// (EnsureDevWorkspace): a new value revokes it.
	Dev       bool      `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	// LastUsedAt is when the key last authenticated a request, to the minute.
	LastUsedAt *time.Time
	// RevokedAt is when the key stopped working; nil while it is live.
	RevokedAt *time.Time
}

// Actor is how the key is recorded as the one who acted (a workflow's createdBy): by its
// ID, which says nothing of the key itself.
func (k APIKey) Actor() string { return "api-key:" + k.ID }

const apiKeyPrefix = "lumo_"

// lastUseResolution is how stale a key's LastUsedAt may get before a request updates it:
// a key in steady use costs one write a minute rather than one a request.
const lastUseResolution = time.Minute

// newAPIKey builds a key row. With plaintext empty a random key is generated.
func newAPIKey(workspaceID, name, plaintext string) (APIKey, string, error) {
	if plaintext == "" {
		random := make([]byte, 32)
		if _, err := rand.Read(random); err != nil {
			return APIKey{}, "", fmt.Errorf("generate api key: %w", err)
		}
		plaintext = apiKeyPrefix + base64.RawURLEncoding.EncodeToString(random)
	}
	return APIKey{
		ID:          NewID(),
		WorkspaceID: workspaceID,
		Name:        name,
		KeyHash:     hashAPIKey(plaintext),
	}, plaintext, nil
}

func hashAPIKey(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// AuthenticateAPIKey returns the live key whose plaintext this is, or ErrNotFound, and
// records the use (see lastUseResolution).
func (s *Store) AuthenticateAPIKey(ctx context.Context, plaintext string) (APIKey, error) {
	if plaintext == "" {
		return APIKey{}, ErrNotFound
	}
	var key APIKey
	err := s.db.WithContext(ctx).
		Where("key_hash = ? AND revoked_at IS NULL", hashAPIKey(plaintext)).
		Take(&key).Error
	if err != nil {
		return APIKey{}, notFound(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond) // what PostgreSQL keeps
	if key.LastUsedAt == nil || now.Sub(*key.LastUsedAt) >= lastUseResolution {
		// Conditional, so that requests racing past the check above write it once.
		err := s.db.WithContext(ctx).Model(&APIKey{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", key.ID, now.Add(-lastUseResolution)).
			Update("last_used_at", now).Error
		if err != nil {
			return APIKey{}, fmt.Errorf("record api key use: %w", err)
		}
		key.LastUsedAt = &now
	}
	return key, nil
}

// CreateAPIKey adds a key to a workspace and returns its plaintext, shown once.
func (s *Store) CreateAPIKey(ctx context.Context, workspaceID, name string) (APIKey, string, error) {
	key, plaintext, err := newAPIKey(workspaceID, name, "")
	if err != nil {
		return APIKey{}, "", err
	}
	if err := s.db.WithContext(ctx).Create(&key).Error; err != nil {
		return APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	key.KeyHash = ""
	return key, plaintext, nil
}

// ListAPIKeys lists the workspace's keys, revoked ones included, newest first, without
// their hashes.
func (s *Store) ListAPIKeys(ctx context.Context, workspaceID string, page Page) ([]APIKey, string, error) {
	q := s.db.WithContext(ctx).Omit("key_hash").Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(k APIKey) string { return k.ID })
}

// errLastLiveKey refuses to revoke the key without which nobody could call the API for
// the workspace any more.
var errLastLiveKey = &ConflictError{Message: "this is the workspace's last live API key: create another before revoking it"}

// RevokeAPIKey stops one of the workspace's keys from working, at once, and returns it
// (without its hash). Revoking a revoked key changes nothing. It refuses, with a
// *ConflictError, to revoke the workspace's last live key.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string) (APIKey, error) {
	var key APIKey
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The workspace's row is the lock two revocations take in turn, so that each
		// counts the live keys the other left.
		if err := tx.Clauses(lockRow()).Where("id = ?", workspaceID).Take(&Workspace{}).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Omit("key_hash").Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&key).Error; err != nil {
			return notFound(err)
		}
		if key.RevokedAt != nil {
			return nil
		}
		var others int64
		err := tx.Model(&APIKey{}).
			Where("workspace_id = ? AND id <> ? AND revoked_at IS NULL", workspaceID, id).
			Count(&others).Error
		if err != nil {
			return fmt.Errorf("count live api keys: %w", err)
		}
		if others == 0 {
			return errLastLiveKey
		}
		now := time.Now().UTC().Truncate(time.Microsecond) // what PostgreSQL keeps
		if err := tx.Model(&APIKey{}).Where("id = ?", id).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		key.RevokedAt = &now
		return nil
	})
	if err != nil {
		return APIKey{}, err
	}
	return key, nil
}
