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

// Enrollment asks for one friend to start a workflow's active version: by FriendID, or
// by LineUserID on the workflow's LINE account (the friend is recorded if new).
type Enrollment struct {
	WorkspaceID string
	WorkflowID  string
	FriendID    string
	LineUserID  string
	// Vars must be names the definition declares.
	Vars map[string]string
	// Trigger holds the triggering event's properties ({{trigger.X}}); "manual" for the
	// API.
	Trigger map[string]string
	// ReplyToken and ReplyTokenAt are the triggering event's reply token, when it had one.
	ReplyToken   string
	ReplyTokenAt time.Time
	// Actor names who asked (the API key's X-Lumo-Actor), for the trace.
	Actor string
	// ExecutionID, when set, is the new execution's ID (else a fresh one). Enrolling again
	// with the same ID is not a conflict but returns that execution: a start_workflow
	// step derives it from its run and visit, so a retried step enrolls once.
	ExecutionID string
	// Test runs VersionID, a test version of the workflow's draft (Store.TestVersion),
	// whatever the workflow's status: the execution is marked as a test, left out of the
	// statistics, and does not keep the friend from a real enrollment.
	Test      bool
	VersionID string
}

// ExecutionReply is a friend's message or postback for a running execution.
type ExecutionReply struct {
	Text       string
	Postback   string
	ReplyToken string
	ReceivedAt time.Time
	EventID    string
}
