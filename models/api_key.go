package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// APIKey authenticates API calls for one workspace. Only a SHA-256 of the key is stored:
// keys are 256-bit random strings, so a fast hash is enough and lookups stay one index
// probe per request.
type APIKey struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	Name        string `gorm:"not null"`
	// Prefix is the key's first characters, so a person can tell keys apart.
	Prefix     string    `gorm:"not null"`
	KeyHash    string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

const apiKeyPrefix = "lumo_"

// newAPIKey builds a key row. With plaintext empty a random key is generated.
func newAPIKey(workspaceID, name, plaintext string) (APIKey, string, error) {
	if plaintext == "" {
		random := make([]byte, 32)
		if _, err := rand.Read(random); err != nil {
			return APIKey{}, "", fmt.Errorf("generate api key: %w", err)
		}
		plaintext = apiKeyPrefix + base64.RawURLEncoding.EncodeToString(random)
	}
	prefix := plaintext
	if len(prefix) > 12 {
		prefix = prefix[:12]
	}
	return APIKey{
		ID:          NewID(),
		WorkspaceID: workspaceID,
		Name:        name,
		Prefix:      prefix,
		KeyHash:     hashAPIKey(plaintext),
	}, plaintext, nil
}

func hashAPIKey(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// AuthenticateAPIKey returns the live key whose plaintext this is, or ErrNotFound.
func (s *Store) AuthenticateAPIKey(ctx context.Context, plaintext string) (APIKey, error) {
	if plaintext == "" {
		return APIKey{}, ErrNotFound
	}
	var key APIKey
	err := s.db.WithContext(ctx).
		Where("key_hash = ? AND revoked_at IS NULL", hashAPIKey(plaintext)).
		Take(&key).Error
	return key, notFound(err)
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
	return key, plaintext, nil
}
