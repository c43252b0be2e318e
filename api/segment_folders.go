package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// Segment folders sort a workspace's segments for people: one level, a segment in at most
// one folder (PUT /v1/segments/{id} {folderId} moves it). A folder that holds segments
// cannot be deleted, so deleting one never loses or silently unfiles a segment.

// segmentFolderBody is the body of POST /v1/segment-folders and PUT
// /v1/segment-folders/{id} (a rename).
type segmentFolderBody struct {
	Name string `json:"name" validate:"required,notblank,singleline,max=100"`
}

// segmentFolderJSON is how a folder is shown.
type segmentFolderJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toSegmentFolderJSON(f models.SegmentFolder) segmentFolderJSON {
	return segmentFolderJSON{ID: f.ID, Name: f.Name, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

func (s *server) createSegmentFolder(c echo.Context) error {
	var in segmentFolderBody
	if err := s.bind(c, &in); err != nil {
		return err
	}
	folder, err := s.store.CreateSegmentFolder(c.Request().Context(), workspaceID(c), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSegmentFolderJSON(folder))
}

func (s *server) listSegmentFolders(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.ListSegmentFolders(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]segmentFolderJSON, len(list))
	for i, f := range list {
		items[i] = toSegmentFolderJSON(f)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) renameSegmentFolder(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	// Another workspace's ID is a 404 before the body is judged.
	if _, err := s.store.GetSegmentFolder(ctx, ws, id); err != nil {
		return segmentFolderError(err)
	}
	var in segmentFolderBody
	if err := s.bind(c, &in); err != nil {
		return err
	}
	folder, err := s.store.RenameSegmentFolder(ctx, ws, id, in.Name)
	if err != nil {
		return segmentFolderError(err)
	}
	return c.JSON(http.StatusOK, toSegmentFolderJSON(folder))
}

// deleteSegmentFolder deletes an empty folder; one that holds segments is a 409 (move
// or delete them first).
func (s *server) deleteSegmentFolder(c echo.Context) error {
	if err := s.store.DeleteSegmentFolder(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return segmentFolderError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// segmentFolderError names the object in a 404.
func segmentFolderError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("segment folder not found")
	}
	return err
}
