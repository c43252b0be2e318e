package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/lumoworkflows/lumo/database"
)

// TestVersion freezes a workflow's draft for test runs: a version row numbered below
// zero (-1, -2, …), so that test executions have a version like any other while the
// workflow's own versions, its status and its active version stay as they are. The
// same content frozen for a test before is reused. Version lists leave test versions
// out; they never become active.
func (s *Store) TestVersion(ctx context.Context, workspaceID, workflowID string, document []byte, actor string) (WorkflowVersion, error) {
	if err := checkJSON("tested", document); err != nil {
		return WorkflowVersion{}, err
	}
	sum := sha256.Sum256(document)
	hash := "test:" + hex.EncodeToString(sum[:])
	db := s.db.WithContext(ctx)
	if err := rowExists(db, "workflows", workspaceID, workflowID); err != nil {
		return WorkflowVersion{}, err
	}
	for attempt := 0; ; attempt++ {
		var existing WorkflowVersion
		err := db.Where("workflow_id = ? AND hash = ? AND version < 0", workflowID, hash).Take(&existing).Error
		if err == nil {
			return existing, nil
		}
		if err := notFound(err); !errors.Is(err, ErrNotFound) {
			return WorkflowVersion{}, fmt.Errorf("find test version: %w", err)
		}
		var lowest int
		if err := db.Model(&WorkflowVersion{}).Where("workflow_id = ?", workflowID).
			Select("COALESCE(MIN(version), 0)").Scan(&lowest).Error; err != nil {
			return WorkflowVersion{}, fmt.Errorf("find test versions: %w", err)
		}
		version := WorkflowVersion{
			ID:              NewID(),
			WorkspaceID:     workspaceID,
			WorkflowID:      workflowID,
			Version:         min(lowest, 0) - 1,
			Definition:      JSONDocument(document),
			Hash:            hash,
			StartsWorkflows: []string{},
			PublishedBy:     actor,
			PublishedAt:     db.NowFunc(),
		}
		err = db.Create(&version).Error
		if err == nil {
			return version, nil
		}
		// Another test run took the number: look again.
		if !database.IsUniqueViolation(err) || attempt == 3 {
			return WorkflowVersion{}, fmt.Errorf("freeze test version: %w", err)
		}
	}
}

// GetVersionByID returns one of the workspace's workflow versions by its ID.
func (s *Store) GetVersionByID(ctx context.Context, workspaceID, id string) (WorkflowVersion, error) {
	var v WorkflowVersion
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&v).Error
	return v, notFound(err)
}
