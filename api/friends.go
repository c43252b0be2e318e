package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/models"
)

// The friends routes: the LINE users who added the workspace's accounts, found by tag,
// name, account or blocked state, and their tags put on and taken off by hand.
//
// Both tag routes answer the friend as it then stands, and both are idempotent: putting
// on a tag the friend carries, or taking off one the friend lacks, changes nothing and
// answers 200, so that a client may simply repeat a call whose answer it lost.

// maxFriendQuery caps ?q=: display names on LINE are at most 20 characters and user IDs
// 33, so a longer query can only be a mistake.
const maxFriendQuery = 100

// friendTagRequest is the body of POST /v1/friends/{id}/tags.
type friendTagRequest struct {
	Tag string `json:"tag" validate:"required,notblank,singleline,max=100"`
}

// friendJSON is a friend as the API shows it. Fields is only in GET /v1/friends/{id} and
// the tag routes' answers; lists leave it out (tags they have).
type friendJSON struct {
	ID            string     `json:"id"`
	LineAccountID string     `json:"lineAccountId"`
	LineUserID    string     `json:"lineUserId"`
	DisplayName   string     `json:"displayName"`
	PictureURL    string     `json:"pictureUrl"`
	StatusMessage string     `json:"statusMessage"`
	Language      string     `json:"language"`
	FollowedAt    *time.Time `json:"followedAt"`
	BlockedAt     *time.Time `json:"blockedAt"`
	Blocked       bool       `json:"blocked"`
	// Tags are sorted by byte order, the same on both databases.
	Tags      []string       `json:"tags"`
	Fields    map[string]any `json:"fields,omitzero"`
	CreatedAt time.Time      `json:"createdAt"`
	UpdatedAt time.Time      `json:"updatedAt"`
}

func toFriendJSON(f models.Friend, tags []string) friendJSON {
	if tags == nil {
		tags = []string{}
	}
	slices.Sort(tags)
	return friendJSON{
		ID:            f.ID,
		LineAccountID: f.LineAccountID,
		LineUserID:    f.LineUserID,
		DisplayName:   f.DisplayName,
		PictureURL:    f.PictureURL,
		StatusMessage: f.StatusMessage,
		Language:      f.Language,
		FollowedAt:    utcOrNil(f.FollowedAt),
		BlockedAt:     utcOrNil(f.BlockedAt),
		Blocked:       f.BlockedAt != nil,
		Tags:          tags,
		CreatedAt:     f.CreatedAt.UTC(),
		UpdatedAt:     f.UpdatedAt.UTC(),
	}
}

// friendError maps the Store's errors about one friend to API errors.
func friendError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("friend not found")
	}
	return err
}

// friendFilter reads the list's filters from the query string, reporting every bad one
// at once. An empty value is no filter.
func friendFilter(c echo.Context) (models.FriendFilter, error) {
	filter := models.FriendFilter{
		Tag:           c.QueryParam("tag"),
		Query:         c.QueryParam("q"),
		LineAccountID: c.QueryParam("lineAccountId"),
	}
	fields := map[string]string{}
	if utf8.RuneCountInString(filter.Query) > maxFriendQuery {
		fields["q"] = "must be at most 100 characters"
	}
	switch c.QueryParam("blocked") {
	case "":
	case "true":
		filter.Blocked = new(true)
	case "false":
		filter.Blocked = new(false)
	default:
		fields["blocked"] = "must be true or false"
	}
	if len(fields) > 0 {
		return filter, validationFailed(fields)
	}
	return filter, nil
}

// listFriends answers a page of the workspace's friends, newest first, each with its tags
// (one query for the page).
func (s *server) listFriends(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	filter, err := friendFilter(c)
	if err != nil {
		return err
	}
	friends, next, err := s.store.ListFriends(ctx, ws, filter, page)
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
	items := make([]friendJSON, len(friends))
	for i, f := range friends {
		items[i] = toFriendJSON(f, tags[f.ID])
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) getFriend(c echo.Context) error {
	out, err := s.friendDetail(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// addFriendTag puts a tag on a friend, creating the tag if the workspace has none of that
// name yet.
func (s *server) addFriendTag(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	// An unknown or foreign friend is a 404 before anything about the body.
	friend, err := s.store.GetFriend(ctx, ws, c.Param("id"))
	if err != nil {
		return friendError(err)
	}
	var in friendTagRequest
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.store.AddFriendTags(ctx, ws, friend.ID, []string{in.Tag}, ""); err != nil {
		return friendError(err)
	}
	out, err := s.friendDetail(ctx, ws, friend.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// removeFriendTag takes a tag off a friend. Any name is accepted, not only those POST
// would: workflows may have made tags the API cannot (a long answer saved as a tag), and
// taking them off must still be possible.
func (s *server) removeFriendTag(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	friend, err := s.store.GetFriend(ctx, ws, c.Param("id"))
	if err != nil {
		return friendError(err)
	}
	// Echo routes no empty tag here, so tag is a name, if perhaps one nobody has.
	tag := unescapedParam(c, "tag")
	if err := s.store.RemoveFriendTags(ctx, ws, friend.ID, []string{tag}); err != nil {
		return friendError(err)
	}
	out, err := s.friendDetail(ctx, ws, friend.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// friendDetail is one friend with tags and fields.
func (s *server) friendDetail(ctx context.Context, ws, id string) (friendJSON, error) {
	friend, err := s.store.GetFriend(ctx, ws, id)
	if err != nil {
		return friendJSON{}, friendError(err)
	}
	tags, err := s.store.FriendTags(ctx, ws, friend.ID)
	if err != nil {
		return friendJSON{}, friendError(err)
	}
	out := toFriendJSON(friend, tags)
	out.Fields = friend.Fields
	if out.Fields == nil {
		out.Fields = map[string]any{}
	}
	return out, nil
}

// unescapedParam is the path parameter name, decoded. Echo routes on the raw path when
// the request's path has escapes its decoded form would not (%2F, %3A), and then hands
// out the parameter still escaped; otherwise it hands it out decoded already. net/http
// refuses a path that is not valid percent-encoding, so the fallback to the raw value
// is for completeness only.
func unescapedParam(c echo.Context, name string) string {
	value := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return value
	}
	if decoded, err := url.PathUnescape(value); err == nil {
		return decoded
	}
	return value
}
