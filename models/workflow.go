package models

import "time"

// WorkflowStatus is where a workflow is in its lifecycle.
type WorkflowStatus string

const (
	WorkflowDraft    WorkflowStatus = "draft"
	WorkflowActive   WorkflowStatus = "active"
	WorkflowPaused   WorkflowStatus = "paused"
	WorkflowStopped  WorkflowStatus = "stopped"
	WorkflowArchived WorkflowStatus = "archived"
)

// Workflow is a marketer's automation: a draft definition that is edited freely, and the
// versions frozen from it on each activation.
type Workflow struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	LineAccountID *string
	Name          string         `gorm:"not null"`
	Description   string         `gorm:"not null;default:''"`
	Status        WorkflowStatus `gorm:"not null"`
	// TriggerType is copied out of the active version so webhooks find the workflows a
	// trigger starts with one indexed query.
	TriggerType string `gorm:"not null;default:''"`
	// Draft is the definition as last saved; it may be incomplete.
	Draft           JSONDocument `gorm:"not null"`
	ActiveVersionID *string
	ActiveVersion   int       `gorm:"not null;default:0"`
	CreatedBy       string    `gorm:"not null;default:''"`
	CreatedAt       time.Time `gorm:"not null"`
	UpdatedAt       time.Time `gorm:"not null"`
	LastPublishedBy string    `gorm:"not null;default:''"`
	LastPublishedAt *time.Time
}

// WorkflowVersion is an immutable snapshot of a definition, frozen by activation. Runs
// carry their version's graph, so editing the workflow never changes a run in flight.
type WorkflowVersion struct {
	ID          string       `gorm:"primaryKey"`
	WorkspaceID string       `gorm:"not null"`
	WorkflowID  string       `gorm:"not null"`
	Version     int          `gorm:"not null"`
	Definition  JSONDocument `gorm:"not null"`
	// Hash is the SHA-256 of Definition, to tell identical versions apart at a glance.
	Hash        string    `gorm:"not null"`
	PublishedBy string    `gorm:"not null;default:''"`
	PublishedAt time.Time `gorm:"not null"`
}
