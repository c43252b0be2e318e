package models

import "time"

// AutoMessage is a saved message template that send_auto_message steps and broadcasts send.
type AutoMessage struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID *string
	Name          string       `gorm:"not null"`
	Messages      JSONDocument `gorm:"not null"`
	CreatedAt     time.Time    `gorm:"not null"`
	UpdatedAt     time.Time    `gorm:"not null"`
}

// QRCode is a tracked add-friend link; a scan can start a workflow for the friend.
type QRCode struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID string `gorm:"not null"`
	Name          string `gorm:"not null"`
	WorkflowID    *string
	Campaign      string    `gorm:"not null;default:''"`
	ScanCount     int64     `gorm:"not null;default:0"`
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
}
