package api

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

var (
	limitProblem  = fmt.Sprintf("must be a whole number from 1 to %d", models.MaxPageLimit)
	cursorProblem = "is not a cursor this server handed out; pass nextCursor from the previous page"
)

// listResponse is every list's shape. NextCursor is always present and is "" on the last
// page, so a client loops `while (nextCursor)` without checking for a missing key.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func newListResponse[T any](items []T, next string) listResponse[T] {
	if items == nil {
		items = []T{} // [] rather than null
	}
	return listResponse[T]{Items: items, NextCursor: next}
}

// pageParams reads ?limit=&cursor=. An absent or empty limit means the default; anything
// else must be 1..MaxPageLimit. The cursor is checked by the Store.
func pageParams(c echo.Context) (models.Page, error) {
	page := models.Page{Cursor: c.QueryParam("cursor")}
	if raw := c.QueryParam("limit"); raw != "" {
		limit, err := strconv.Atoi(raw)
		if err != nil || limit < 1 || limit > models.MaxPageLimit {
			return models.Page{}, validationFailed(map[string]string{"limit": limitProblem})
		}
		page.Limit = limit
	}
	return page, nil
}
