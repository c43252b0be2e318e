package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// DraftRenamer gives a copy of a workflow its new name: it returns the draft document doc
// with the definition's name set to name, and the metadata read out of it as
// CreateWorkflow takes it. The Store does not parse definitions, so the caller supplies
// this; it must work on invalid drafts too. Whatever Name it returns, name is used.
type DraftRenamer func(doc []byte, name string) (WorkflowInput, error)

// Clone copies one of the workspace's workflows, in any status, into a new draft made by
// actor: the source's draft document renamed by rename to "<name> (clone)", or
// "<name> (clone 2)", "(clone 3)"… when that name is taken. limit is as for
// CreateWorkflow. Versions and runs are not copied.
func (s *Store) Clone(ctx context.Context, workspaceID, id, actor string, limit int, rename DraftRenamer) (Workflow, error) {
	// The name is chosen with the workspace locked, so concurrent clones take different
	// names; only a rename by UpdateDraft can take it in between, and then the clone
	// tries again with the next free name.
	const attempts = 3
	for attempt := 1; ; attempt++ {
		w, err := s.cloneOnce(ctx, workspaceID, id, actor, limit, rename)
		var taken *ConflictError
		if errors.As(err, &taken) && taken.Field == "name" && attempt < attempts {
			continue
		}
		return w, err
	}
}

func (s *Store) cloneOnce(ctx context.Context, workspaceID, id, actor string, limit int, rename DraftRenamer) (Workflow, error) {
	var clone Workflow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		source, err := getWorkflow(tx, workspaceID, id)
		if err != nil {
			return err
		}
		if err := reserveWorkflowSlot(tx, workspaceID, limit); err != nil {
			return err
		}
		taken, err := liveWorkflowNames(tx, workspaceID)
		if err != nil {
			return err
		}
		name := firstFreeName(taken, func(n int) string {
			if n == 1 {
				return source.Name + " (clone)"
			}
			return fmt.Sprintf("%s (clone %d)", source.Name, n)
		})
		in, err := rename(source.Draft, name)
		if err != nil {
			return fmt.Errorf("rename the clone of workflow %s: %w", id, err)
		}
		in.Name = name
		if err := in.check(); err != nil {
			return err
		}
		clone, err = insertDraft(tx, workspaceID, in, actor)
		return err
	})
	return clone, err
}

// UniqueWorkflowName returns name when no live workflow of the workspace has it, else the
// first free of "name (2)", "name (3)"…, for an import. Names compare exactly
// (case-sensitive). A workflow created in between can still take it: CreateWorkflow then
// answers with a *ConflictError.
func (s *Store) UniqueWorkflowName(ctx context.Context, workspaceID, name string) (string, error) {
	taken, err := liveWorkflowNames(s.db.WithContext(ctx), workspaceID)
	if err != nil {
		return "", err
	}
	return firstFreeName(taken, func(n int) string {
		if n == 1 {
			return name
		}
		return fmt.Sprintf("%s (%d)", name, n)
	}), nil
}

// liveWorkflowNames are the names of the workspace's workflows that are not archived: a
// set no larger than the workspace's limit.
func liveWorkflowNames(tx *gorm.DB, workspaceID string) (map[string]bool, error) {
	var names []string
	err := tx.Model(&Workflow{}).
		Where("workspace_id = ? AND status <> ?", workspaceID, WorkflowArchived).
		Pluck("name", &names).Error
	if err != nil {
		return nil, fmt.Errorf("list workflow names: %w", err)
	}
	taken := make(map[string]bool, len(names))
	for _, n := range names {
		taken[n] = true
	}
	return taken, nil
}

// firstFreeName returns the first of candidate(1), candidate(2)… that is not taken.
func firstFreeName(taken map[string]bool, candidate func(n int) string) string {
	for n := 1; ; n++ {
		if name := candidate(n); !taken[name] {
			return name
		}
	}
}
