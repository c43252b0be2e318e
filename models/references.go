package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ObjectKind names a kind of workspace object a workflow definition can refer to.
type ObjectKind string

const (
	ObjectLineAccount ObjectKind = "line_account"
	ObjectAutoMessage ObjectKind = "auto_message"
	ObjectSegment     ObjectKind = "segment"
	ObjectWorkflow    ObjectKind = "workflow"
	ObjectQRCode      ObjectKind = "qr_code"
	// ObjectTag is looked up by name, not ID: definitions name tags.
	ObjectTag ObjectKind = "tag"
	// ObjectSecret is looked up by name too: definitions name secrets (secretRef).
	ObjectSecret ObjectKind = "secret"
)

// objectTables says where each kind lives and which column a reference names.
var objectTables = map[ObjectKind]struct{ table, column string }{
	ObjectLineAccount: {"line_accounts", "id"},
	ObjectAutoMessage: {"auto_messages", "id"},
	ObjectSegment:     {"segments", "id"},
	ObjectWorkflow:    {"workflows", "id"},
	ObjectQRCode:      {"qr_codes", "id"},
	ObjectTag:         {"tags", "name"},
	ObjectSecret:      {"secrets", "name"},
}

// ExistingObjects returns which of ids name objects of kind in the workspace, in one
// query: the set of those that exist.
func (s *Store) ExistingObjects(ctx context.Context, workspaceID string, kind ObjectKind, ids []string) (map[string]bool, error) {
	where, ok := objectTables[kind]
	if !ok {
		return nil, fmt.Errorf("unknown object kind %q", kind)
	}
	found := map[string]bool{}
	// A name with NUL cannot be stored, so no such object exists; PostgreSQL refuses NUL
	// even in a query's parameters, and a draft may name anything.
	storable := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return strings.ContainsRune(id, 0) })
	if len(storable) == 0 {
		return found, nil
	}
	var existing []string
	err := s.db.WithContext(ctx).Table(where.table).
		Where("workspace_id = ? AND "+where.column+" IN ?", workspaceID, storable).
		Pluck(where.column, &existing).Error
	if err != nil {
		return nil, fmt.Errorf("look up %s references: %w", kind, err)
	}
	for _, id := range existing {
		found[id] = true
	}
	return found, nil
}
