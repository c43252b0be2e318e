package models

import "time"

// Friend is a LINE user who added one of the workspace's accounts. The same person is a
// separate friend per account, because LINE user IDs are per provider and a workspace may
// connect accounts of several providers.
type Friend struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID string `gorm:"not null"`
	LineUserID    string `gorm:"not null"`
	DisplayName   string `gorm:"not null;default:''"`
	PictureURL    string `gorm:"not null;default:''"`
	StatusMessage string `gorm:"not null;default:''"`
	Language      string `gorm:"not null;default:''"`
	// FollowedAt is the latest follow; BlockedAt is set while the friend blocks the account.
	FollowedAt *time.Time
	BlockedAt  *time.Time
	// Fields are the custom fields questions save answers to.
	Fields    map[string]any `gorm:"serializer:json;not null"`
	CreatedAt time.Time      `gorm:"not null"`
	UpdatedAt time.Time      `gorm:"not null"`
}

// Tag is a label friends carry; names are unique in a workspace.
type Tag struct {
	ID          string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	Name        string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// FriendTag puts a tag on a friend.
type FriendTag struct {
	FriendID    string    `gorm:"primaryKey"`
	TagID       string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
}
