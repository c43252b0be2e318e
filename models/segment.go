package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/segments"
)

// Segment is a saved audience: condition groups, ANDed inside a group and ORed across
// (package segments is the language). Count is the number of members when CountedAt
// was, nil before the first count.
type Segment struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	FolderID    *string
	Name        string              `gorm:"not null"`
	Definition  segments.Definition `gorm:"serializer:json;not null"`
	Count       *int64
	CountedAt   *time.Time
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// SegmentFolder groups segments in the list; a segment is in one folder or none.
type SegmentFolder struct {
	ID          string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	Name        string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// MaxSegmentNameBytes bounds segment and folder names.
const MaxSegmentNameBytes = 200

var (
	errUnknownSegmentFolder = &FieldError{Field: "folderId", Message: "names no segment folder of the workspace"}
	errSegmentNameRequired  = &FieldError{Field: "name", Message: "required"}
	errSegmentNameTooLong   = &FieldError{Field: "name", Message: fmt.Sprintf("at most %d bytes", MaxSegmentNameBytes)}
)

func errSegmentNameTaken(name string) *ConflictError {
	return &ConflictError{Field: "name", Message: fmt.Sprintf("a segment named %q already exists in the workspace", name)}
}

func checkSegmentName(name string) error {
	switch {
	case name == "":
		return errSegmentNameRequired
	case len(name) > MaxSegmentNameBytes:
		return errSegmentNameTooLong
	}
	return nil
}

// checkSegment checks what a caller gives: the name, and the definition against the
// workspace's connected integrations (a *ValidationError keyed by the definition's
// paths, "groups[0].conditions[1].value").
func (s *Store) checkSegment(ctx context.Context, seg Segment) error {
	if err := checkSegmentName(seg.Name); err != nil {
		return err
	}
	connected, err := s.ConnectedIntegrations(ctx, seg.WorkspaceID)
	if err != nil {
		return err
	}
	if problems := seg.Definition.Validate(connected); problems != nil {
		return &ValidationError{Fields: problems}
	}
	return nil
}

// CreateSegment saves a new segment of seg.WorkspaceID and counts its members. A name
// the workspace uses already is a *ConflictError on "name"; a folder it does not have a
// *FieldError on "folderId"; an invalid definition a *ValidationError.
func (s *Store) CreateSegment(ctx context.Context, seg Segment) (Segment, error) {
	if err := s.checkSegment(ctx, seg); err != nil {
		return Segment{}, err
	}
	count, err := s.CountSegment(ctx, seg.WorkspaceID, seg.Definition)
	if err != nil {
		return Segment{}, err
	}
	now := s.db.NowFunc()
	seg.ID = NewID()
	seg.FolderID = folderOrNil(seg.FolderID)
	seg.Count, seg.CountedAt = &count, &now
	seg.CreatedAt, seg.UpdatedAt = now, now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkSegmentFolder(tx, seg.WorkspaceID, seg.FolderID); err != nil {
			return err
		}
		return tx.Create(&seg).Error
	})
	if database.IsUniqueViolation(err) {
		return Segment{}, errSegmentNameTaken(seg.Name)
	}
	if err != nil {
		return Segment{}, wrapUnlessTyped("create segment", err)
	}
	return seg, nil
}

// GetSegment returns one of the workspace's segments.
func (s *Store) GetSegment(ctx context.Context, workspaceID, id string) (Segment, error) {
	var seg Segment
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&seg).Error
	return seg, notFound(err)
}

// ListSegments lists the workspace's segments, newest first. folderID nil lists them
// all; a folder's ID lists that folder's, and "" those in no folder.
func (s *Store) ListSegments(ctx context.Context, workspaceID string, folderID *string, page Page) ([]Segment, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	switch {
	case folderID == nil:
	case *folderID == "":
		q = q.Where("folder_id IS NULL")
	default:
		q = q.Where("folder_id = ?", *folderID)
	}
	rows, next, err := listPage(q, page, func(seg Segment) string { return seg.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list segments: %w", err)
	}
	return rows, next, nil
}

// UpdateSegment replaces the name, folder and definition of the segment seg.ID of
// seg.WorkspaceID and counts it again; errors as CreateSegment's, and ErrNotFound.
func (s *Store) UpdateSegment(ctx context.Context, seg Segment) (Segment, error) {
	if err := s.checkSegment(ctx, seg); err != nil {
		return Segment{}, err
	}
	count, err := s.CountSegment(ctx, seg.WorkspaceID, seg.Definition)
	if err != nil {
		return Segment{}, err
	}
	folder := folderOrNil(seg.FolderID)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkSegmentFolder(tx, seg.WorkspaceID, folder); err != nil {
			return err
		}
		now := tx.NowFunc()
		res := tx.Model(&Segment{}).Where("workspace_id = ? AND id = ?", seg.WorkspaceID, seg.ID).
			Updates(map[string]any{
				"name":       seg.Name,
				"folder_id":  folder,
				"definition": definitionJSON(seg.Definition),
				"count":      count,
				"counted_at": now,
				"updated_at": now,
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if database.IsUniqueViolation(err) {
		return Segment{}, errSegmentNameTaken(seg.Name)
	}
	if err != nil {
		return Segment{}, wrapUnlessTyped("update segment", err)
	}
	return s.GetSegment(ctx, seg.WorkspaceID, seg.ID)
}

// MoveSegment puts a segment in a folder, or in none with folderID nil (or "").
func (s *Store) MoveSegment(ctx context.Context, workspaceID, segmentID string, folderID *string) error {
	folder := folderOrNil(folderID)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkSegmentFolder(tx, workspaceID, folder); err != nil {
			return err
		}
		res := tx.Model(&Segment{}).Where("workspace_id = ? AND id = ?", workspaceID, segmentID).
			Updates(map[string]any{"folder_id": folder, "updated_at": tx.NowFunc()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return wrapUnlessTyped("move segment", err)
	}
	return nil
}

// RefreshSegmentCount counts a segment's members now and keeps the count.
func (s *Store) RefreshSegmentCount(ctx context.Context, workspaceID, id string) (Segment, error) {
	seg, err := s.GetSegment(ctx, workspaceID, id)
	if err != nil {
		return Segment{}, err
	}
	count, err := s.CountSegment(ctx, workspaceID, seg.Definition)
	if err != nil {
		return Segment{}, err
	}
	now := s.db.NowFunc()
	err = s.db.WithContext(ctx).Model(&Segment{}).Where("workspace_id = ? AND id = ?", workspaceID, id).
		Updates(map[string]any{"count": count, "counted_at": now}).Error
	if err != nil {
		return Segment{}, fmt.Errorf("keep the count of segment %s: %w", id, err)
	}
	seg.Count, seg.CountedAt = &count, &now
	return seg, nil
}

// DeleteSegment deletes a segment. Whether a workflow still branches on it is the
// caller's question (LiveDefinitions), as for auto messages.
func (s *Store) DeleteSegment(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&Segment{})
	if res.Error != nil {
		return fmt.Errorf("delete segment: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// definitionJSON is the definition as its column holds it.
func definitionJSON(d segments.Definition) string {
	doc, err := json.Marshal(d)
	if err != nil {
		// A Definition is strings and raw JSON values that came in as JSON.
		panic(fmt.Sprintf("models: encode segment definition: %v", err))
	}
	return string(doc)
}

func folderOrNil(id *string) *string {
	if id == nil || *id == "" {
		return nil
	}
	return id
}

func checkSegmentFolder(tx *gorm.DB, workspaceID string, folderID *string) error {
	if folderID == nil {
		return nil
	}
	err := rowExists(tx, "segment_folders", workspaceID, *folderID)
	if errors.Is(err, ErrNotFound) {
		return errUnknownSegmentFolder
	}
	return err
}

// CreateSegmentFolder makes a folder; names are unique in a workspace (*ConflictError on
// "name").
func (s *Store) CreateSegmentFolder(ctx context.Context, workspaceID, name string) (SegmentFolder, error) {
	if err := checkSegmentName(name); err != nil {
		return SegmentFolder{}, err
	}
	now := s.db.NowFunc()
	folder := SegmentFolder{ID: NewID(), WorkspaceID: workspaceID, Name: name, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Create(&folder).Error
	if database.IsUniqueViolation(err) {
		return SegmentFolder{}, errFolderNameTaken(name)
	}
	if err != nil {
		return SegmentFolder{}, fmt.Errorf("create segment folder: %w", err)
	}
	return folder, nil
}

func errFolderNameTaken(name string) *ConflictError {
	return &ConflictError{Field: "name", Message: fmt.Sprintf("a segment folder named %q already exists in the workspace", name)}
}

// GetSegmentFolder returns one of the workspace's folders.
func (s *Store) GetSegmentFolder(ctx context.Context, workspaceID, id string) (SegmentFolder, error) {
	var folder SegmentFolder
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&folder).Error
	return folder, notFound(err)
}

// ListSegmentFolders lists the workspace's folders, newest first.
func (s *Store) ListSegmentFolders(ctx context.Context, workspaceID string, page Page) ([]SegmentFolder, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	rows, next, err := listPage(q, page, func(f SegmentFolder) string { return f.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list segment folders: %w", err)
	}
	return rows, next, nil
}

// RenameSegmentFolder renames a folder.
func (s *Store) RenameSegmentFolder(ctx context.Context, workspaceID, id, name string) (SegmentFolder, error) {
	if err := checkSegmentName(name); err != nil {
		return SegmentFolder{}, err
	}
	res := s.db.WithContext(ctx).Model(&SegmentFolder{}).Where("workspace_id = ? AND id = ?", workspaceID, id).
		Updates(map[string]any{"name": name, "updated_at": s.db.NowFunc()})
	if database.IsUniqueViolation(res.Error) {
		return SegmentFolder{}, errFolderNameTaken(name)
	}
	if res.Error != nil {
		return SegmentFolder{}, fmt.Errorf("rename segment folder: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return SegmentFolder{}, ErrNotFound
	}
	return s.GetSegmentFolder(ctx, workspaceID, id)
}

// DeleteSegmentFolder deletes an empty folder; one that holds segments is a
// *ConflictError (move or delete them first). A segment moved in meanwhile is stopped by
// the foreign key.
func (s *Store) DeleteSegmentFolder(ctx context.Context, workspaceID, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := rowExists(tx, "segment_folders", workspaceID, id); err != nil {
			return err
		}
		var held int64
		if err := tx.Model(&Segment{}).Where("workspace_id = ? AND folder_id = ?", workspaceID, id).Count(&held).Error; err != nil {
			return err
		}
		if held > 0 {
			return &ConflictError{Message: fmt.Sprintf("the folder holds %d segments; move or delete them first", held)}
		}
		return tx.Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&SegmentFolder{}).Error
	})
	if err != nil {
		return wrapUnlessTyped("delete segment folder", err)
	}
	return nil
}
