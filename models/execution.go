package models

import "time"

// ExecutionStatus is how a run stands.
type ExecutionStatus string

const (
	ExecutionRunning   ExecutionStatus = "running"
	ExecutionCompleted ExecutionStatus = "completed"
	ExecutionFailed    ExecutionStatus = "failed"
	ExecutionEjected   ExecutionStatus = "ejected"
)

// Execution is one friend's run through one version of a workflow: a Temporal workflow
// execution, mirrored here for lists and statistics.
type Execution struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	WorkflowID    string `gorm:"not null"`
	VersionID     string `gorm:"not null"`
	Version       int    `gorm:"not null"`
	FriendID      string `gorm:"not null"`
	LineAccountID string `gorm:"not null;default:''"`
	// TemporalWorkflowID and TemporalRunID name the run in Temporal (and its Web UI).
	TemporalWorkflowID string          `gorm:"not null"`
	TemporalRunID      string          `gorm:"not null;default:''"`
	Status             ExecutionStatus `gorm:"not null"`
	CurrentNode        string          `gorm:"not null;default:''"`
	// Test marks runs started by a test run of a draft; they stay out of the statistics.
	Test       bool      `gorm:"not null;default:false"`
	Error      string    `gorm:"not null;default:''"`
	StartedAt  time.Time `gorm:"not null"`
	FinishedAt *time.Time
	UpdatedAt  time.Time `gorm:"not null"`
}

// ExecutionStep is one row of an execution's trace: one visit to one node.
type ExecutionStep struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	ExecutionID string `gorm:"not null"`
	WorkflowID  string `gorm:"not null"`
	NodeID      string `gorm:"not null"`
	NodeType    string `gorm:"not null"`
	// Visit counts from 1; (execution, node, visit) is unique, so writing a step twice
	// (an activity retried) updates the one row.
	Visit      int       `gorm:"not null"`
	Outcome    string    `gorm:"not null;default:''"`
	Outlet     string    `gorm:"not null;default:''"`
	Error      string    `gorm:"not null;default:''"`
	LineAPI    string    `gorm:"column:line_api;not null;default:''"`
	Messages   int       `gorm:"not null;default:0"`
	StartedAt  time.Time `gorm:"not null"`
	FinishedAt *time.Time
}
