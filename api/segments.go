package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// The segments routes: saved audiences of the workspace's friends, each condition groups
// ORed together whose conditions are ANDed (package segments is the language). A segment
// is counted when it is saved and again by its preview; a workflow's branch reads
// membership afresh at the step, never these counts.

// previewFriends is how many friends a preview shows: enough to see who the conditions
// catch, few enough to answer at once on a million friends.
const previewFriends = 10

// segmentBody is the body of POST /v1/segments.
type segmentBody struct {
	Name     string           `json:"name" validate:"required,notblank,singleline,max=100"`
	FolderID *string          `json:"folderId" validate:"omitnil,notblank,max=100"`
	Groups   []segments.Group `json:"groups"`
}

// segmentChange is the body of PUT /v1/segments/{id}: it changes what it names and
// keeps the rest, so {"folderId": …} alone moves the segment (null or "" takes it out of
// its folder), and {"groups": …} alone redraws it.
type segmentChange struct {
	Name     *string          `json:"name" validate:"omitnil,notblank,singleline,max=100"`
	FolderID optionalID       `json:"folderId"`
	Groups   []segments.Group `json:"groups"`
}

// optionalID is a JSON value that may be absent, null or a string: Set tells absent from
// the other two, and ID is nil for null or "".
type optionalID struct {
	Set bool
	ID  *string
}

func (o *optionalID) UnmarshalJSON(raw []byte) error {
	o.Set = true
	if bytes.Equal(raw, []byte("null")) {
		o.ID = nil
		return nil
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		// As encoding/json reports a wrong type, so that the 400 names the field.
		return &json.UnmarshalTypeError{Value: jsonKindOf(raw), Type: reflect.TypeFor[string]()}
	}
	o.ID = nil
	if id != "" {
		o.ID = &id
	}
	return nil
}

// jsonKindOf names the kind of a JSON value by its first byte, as encoding/json's type
// errors do.
func jsonKindOf(raw []byte) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// segmentJSON is how a segment is shown. Count is nil until the segment has been counted.
type segmentJSON struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	FolderID  *string          `json:"folderId"`
	Groups    []segments.Group `json:"groups"`
	Summary   string           `json:"summary"`
	Count     *int64           `json:"count"`
	CountedAt *time.Time       `json:"countedAt"`
	CreatedAt time.Time        `json:"createdAt"`
	UpdatedAt time.Time        `json:"updatedAt"`
}

func toSegmentJSON(seg models.Segment) segmentJSON {
	groups := seg.Definition.Groups
	if groups == nil {
		groups = []segments.Group{}
	}
	return segmentJSON{
		ID:        seg.ID,
		Name:      seg.Name,
		FolderID:  seg.FolderID,
		Groups:    groups,
		Summary:   seg.Definition.Summary(),
		Count:     seg.Count,
		CountedAt: utcOrNil(seg.CountedAt),
		CreatedAt: seg.CreatedAt.UTC(),
		UpdatedAt: seg.UpdatedAt.UTC(),
	}
}

// segmentPreview is the answer of GET /v1/segments/{id}/preview.
type segmentPreview struct {
	Count   int64        `json:"count"`
	Friends []friendJSON `json:"friends"`
	Summary string       `json:"summary"`
}

// checkSegmentDefinition adds to fields every problem of the groups, by path, judged
// against the integrations the workspace has connected, when the body's other fields
// failed already: so the client sees every problem at once. A body that bound cleanly is
// judged by the Store alone (its *models.ValidationError is the same 422), which saves
// reading the integrations twice.
func (s *server) checkSegmentDefinition(ctx context.Context, ws string, d segments.Definition, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	connected, err := s.store.ConnectedIntegrations(ctx, ws)
	if err != nil {
		return err
	}
	for path, problem := range d.Validate(connected) {
		fields[path] = problem
	}
	return nil
}

// bindFields splits the outcome of bind: a validation failure becomes fields to add
// more to, anything else (malformed JSON, too large) is returned as it is.
func bindFields(err error) (map[string]string, error) {
	fields := map[string]string{}
	if err == nil {
		return fields, nil
	}
	var invalid *Error
	if !errors.As(err, &invalid) || invalid.Code != CodeValidationFailed {
		return nil, err
	}
	for path, problem := range invalid.Fields {
		fields[path] = problem
	}
	return fields, nil
}

func (s *server) createSegment(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	var in segmentBody
	fields, err := bindFields(s.bind(c, &in))
	if err != nil {
		return err
	}
	d := segments.Definition{Groups: in.Groups}
	if err := s.checkSegmentDefinition(ctx, ws, d, fields); err != nil {
		return err
	}
	if len(fields) > 0 {
		return validationFailed(fields)
	}
	seg, err := s.store.CreateSegment(ctx, models.Segment{WorkspaceID: ws, FolderID: in.FolderID, Name: in.Name, Definition: d})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSegmentJSON(seg))
}

// listSegments answers a page of the workspace's segments, newest first; ?folderId=
// narrows it to one folder's.
func (s *server) listSegments(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	var folderID *string
	if raw := c.QueryParam("folderId"); raw != "" {
		// Another workspace's folder is refused like an unknown one, naming the parameter.
		if _, err := s.store.GetSegmentFolder(ctx, ws, raw); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return validationFailed(map[string]string{"folderId": "no segment folder with this ID in the workspace"})
			}
			return err
		}
		folderID = &raw
	}
	list, next, err := s.store.ListSegments(ctx, ws, folderID, page)
	if err != nil {
		return err
	}
	items := make([]segmentJSON, len(list))
	for i, seg := range list {
		items[i] = toSegmentJSON(seg)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) getSegment(c echo.Context) error {
	seg, err := s.store.GetSegment(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return segmentError(err)
	}
	return c.JSON(http.StatusOK, toSegmentJSON(seg))
}

// updateSegment changes what the body names: the name, the groups (counted again), the
// folder (a move), or several at once.
func (s *server) updateSegment(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	// Another workspace's ID is a 404 before the body is judged.
	seg, err := s.store.GetSegment(ctx, ws, c.Param("id"))
	if err != nil {
		return segmentError(err)
	}
	var in segmentChange
	fields, err := bindFields(s.bind(c, &in))
	if err != nil {
		return err
	}
	if len(fields) == 0 && in.Name == nil && in.Groups == nil && !in.FolderID.Set {
		// Nothing to change: the segment as it is, updatedAt untouched.
		return c.JSON(http.StatusOK, toSegmentJSON(seg))
	}
	if in.Groups != nil {
		if err := s.checkSegmentDefinition(ctx, ws, segments.Definition{Groups: in.Groups}, fields); err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return validationFailed(fields)
	}
	if in.Name == nil && in.Groups == nil {
		// A move alone: the members and their count stay as they are.
		if err := s.store.MoveSegment(ctx, ws, seg.ID, in.FolderID.ID); err != nil {
			return segmentError(err)
		}
		seg, err = s.store.GetSegment(ctx, ws, seg.ID)
		if err != nil {
			return segmentError(err)
		}
		return c.JSON(http.StatusOK, toSegmentJSON(seg))
	}
	if in.Name != nil {
		seg.Name = *in.Name
	}
	if in.Groups != nil {
		seg.Definition = segments.Definition{Groups: in.Groups}
	}
	if in.FolderID.Set {
		seg.FolderID = in.FolderID.ID
	}
	if seg, err = s.store.UpdateSegment(ctx, seg); err != nil {
		return segmentError(err)
	}
	return c.JSON(http.StatusOK, toSegmentJSON(seg))
}

// deleteSegment deletes a segment no live workflow branches on: one that a condition of
// the active version of an active or paused workflow names is a 409 naming the workflow.
func (s *server) deleteSegment(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetSegment(ctx, ws, id); err != nil {
		return segmentError(err)
	}
	users, err := s.liveWorkflowsUsing(ctx, ws, []string{id}, func(d *definition.Definition) bool {
		return referencesObject(d, definition.RefSegment, id)
	})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUseConflict("the segment", users)
	}
	if err := s.store.DeleteSegment(ctx, ws, id); err != nil {
		return segmentError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// previewSegment counts the segment's members now (keeping the count), shows the newest
// few, and says the conditions in words.
func (s *server) previewSegment(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	seg, err := s.store.GetSegment(ctx, ws, c.Param("id"))
	if err != nil {
		return segmentError(err)
	}
	// Counted now, and kept: the segment shows this count from now on.
	seg, err = s.store.RefreshSegmentCount(ctx, ws, seg.ID)
	if err != nil {
		return segmentError(err)
	}
	friends, err := s.store.PreviewSegment(ctx, ws, seg.Definition, previewFriends)
	if err != nil {
		return err
	}
	ids := make([]string, len(friends))
	for i, f := range friends {
		ids[i] = f.ID
	}
	tags, err := s.store.TagsOfFriends(ctx, ws, ids)
	if err != nil {
		return err
	}
	out := segmentPreview{Count: *seg.Count, Friends: make([]friendJSON, len(friends)), Summary: seg.Definition.Summary()}
	for i, f := range friends {
		out.Friends[i] = toFriendJSON(f, tags[f.ID])
	}
	return c.JSON(http.StatusOK, out)
}

// segmentError names the object in a 404.
func segmentError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("segment not found")
	}
	return err
}
