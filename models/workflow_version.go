package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// WorkflowVersion is an immutable snapshot of a definition, frozen by activation. Runs
// carry their version's graph, so editing the workflow never changes a run in flight.
type WorkflowVersion struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	WorkflowID  string `gorm:"not null"`
	// Version counts from 1 in each workflow.
	Version int `gorm:"not null"`
	// Definition is the frozen definition, byte for byte as activated. ListVersions
	// leaves it empty.
	Definition JSONDocument `gorm:"not null"`
	// Hash identifies Definition's content (by default its SHA-256): activating the same
	// content again adds no version.
	Hash string `gorm:"not null"`
	// StartsWorkflows are the IDs of the workflows this version's start_workflow steps
	// start (never nil once stored).
	StartsWorkflows []string  `gorm:"serializer:json;not null"`
	PublishedBy     string    `gorm:"not null;default:''"`
	PublishedAt     time.Time `gorm:"not null"`
}

// GetVersion returns version number version of one of the workspace's workflows, with
// its definition.
func (s *Store) GetVersion(ctx context.Context, workspaceID, workflowID string, version int) (WorkflowVersion, error) {
	var v WorkflowVersion
	err := s.db.WithContext(ctx).
		Where("workspace_id = ? AND workflow_id = ? AND version = ?", workspaceID, workflowID, version).
		Take(&v).Error
	return v, notFound(err)
}

// ListVersions lists a workflow's versions, newest first, without their Definition
// (GetVersion has it); test versions are left out. A workflow the workspace does not have is ErrNotFound.
func (s *Store) ListVersions(ctx context.Context, workspaceID, workflowID string, page Page) ([]WorkflowVersion, string, error) {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Model(&Workflow{}).Where("workspace_id = ? AND id = ?", workspaceID, workflowID).Count(&n).Error; err != nil {
		return nil, "", fmt.Errorf("find workflow: %w", err)
	}
	if n == 0 {
		return nil, "", ErrNotFound
	}
	q := db.Omit("definition").Where("workspace_id = ? AND workflow_id = ? AND version > 0", workspaceID, workflowID)
	return listPage(q, page, func(v WorkflowVersion) string { return v.ID })
}

// ActiveStartEdges maps each active or paused workflow of the workspace to the IDs of
// the workflows its active version starts (an empty list when none): the graph across
// workflows that activation checks for loops. Drafts, stopped and archived workflows
// start nothing and are left out.
func (s *Store) ActiveStartEdges(ctx context.Context, workspaceID string) (map[string][]string, error) {
	rows, err := s.db.WithContext(ctx).Raw(`
		SELECT w.id, v.starts_workflows
		FROM workflows w JOIN workflow_versions v ON v.id = w.active_version_id
		WHERE w.workspace_id = ? AND w.status IN (?, ?)`,
		workspaceID, WorkflowActive, WorkflowPaused).Rows()
	if err != nil {
		return nil, fmt.Errorf("read start edges: %w", err)
	}
	defer rows.Close()
	edges := map[string][]string{}
	for rows.Next() {
		var (
			id     string
			starts []byte
		)
		if err := rows.Scan(&id, &starts); err != nil {
			return nil, fmt.Errorf("read start edges: %w", err)
		}
		targets := []string{}
		if err := json.Unmarshal(starts, &targets); err != nil {
			return nil, fmt.Errorf("start edges of workflow %s: %w", id, err)
		}
		edges[id] = targets
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read start edges: %w", err)
	}
	return edges, nil
}
