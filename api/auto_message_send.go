package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// previewBody is the body of POST /v1/auto-messages/{id}/preview; it may be absent.
type previewBody struct {
	FriendID *string `json:"friendId" validate:"omitnil,notblank,max=100"`
}

// testSendBody is the body of POST /v1/auto-messages/{id}/test.
type testSendBody struct {
	FriendID string `json:"friendId" validate:"required,notblank,max=100"`
}

// previewJSON is the answer of a preview: the LINE message objects a send would carry.
type previewJSON struct {
	Messages []json.RawMessage `json:"messages"`
}

// testSendJSON is the answer of a test send.
type testSendJSON struct {
	Sent      int    `json:"sent"`
	RequestID string `json:"requestId"`
}

func unknownFriend() error {
	return validationFailed(map[string]string{"friendId": "names no friend of the workspace"})
}

// previewAutoMessage renders an auto message as a send_auto_message step would send it
// to the friend (friendId), or to nobody: then every {{friend.…}} renders empty. Nothing
// is sent. {{trigger.…}}, which belongs to a run, renders empty either way.
func (s *server) previewAutoMessage(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	m, err := s.store.GetAutoMessage(ctx, ws, c.Param("id"))
	if err != nil {
		return autoMessageError(err)
	}
	var in previewBody
	if err := s.bindOptional(c, &in); err != nil {
		return err
	}
	var friend *models.Friend
	if in.FriendID != nil {
		f, err := s.store.GetFriend(ctx, ws, *in.FriendID)
		if errors.Is(err, models.ErrNotFound) {
			return unknownFriend()
		}
		if err != nil {
			return err
		}
		friend = &f
	}
	rendered, err := renderAutoMessage(m, friend)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, previewJSON{Messages: rendered})
}

// testAutoMessage pushes an auto message, rendered for the friend, to that friend now:
// one push with a retry key of its own, through the friend's LINE account.
func (s *server) testAutoMessage(c echo.Context) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	m, err := s.store.GetAutoMessage(ctx, ws, c.Param("id"))
	if err != nil {
		return autoMessageError(err)
	}
	var in testSendBody
	if err := s.bind(c, &in); err != nil {
		return err
	}
	friend, err := s.store.GetFriend(ctx, ws, in.FriendID)
	if errors.Is(err, models.ErrNotFound) {
		return unknownFriend()
	}
	if err != nil {
		return err
	}
	if m.LineAccountID != nil && *m.LineAccountID != friend.LineAccountID {
		return validationFailed(map[string]string{"friendId": "is a friend of another LINE account than the auto message's lineAccountId"})
	}
	if friend.BlockedAt != nil {
		return conflict("the friend has blocked the LINE account: LINE would accept the push and deliver nothing", nil)
	}
	rendered, err := renderAutoMessage(m, &friend)
	if err != nil {
		return err
	}
	if s.line == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "LINE is not configured on this server: test messages cannot be sent"}
	}
	res, err := s.line.Push(ctx, activities.PushInput{
		Recipient: activities.Recipient{
			WorkspaceID:   ws,
			LineAccountID: friend.LineAccountID,
			FriendID:      friend.ID,
			LineUserID:    friend.LineUserID,
		},
		Messages: rendered,
		// A key of its own: each test send is a new send, and LINE drops a repeat of this
		// one (the SDK does not retry, but a proxy might).
		RetryKey: uuid.NewString(),
	})
	if err != nil {
		return lineSendError(err)
	}
	return c.JSON(http.StatusOK, testSendJSON{Sent: res.Messages, RequestID: res.RequestID})
}

// bindOptional is bind for a body that may be absent (or empty): then dst keeps its zero
// value.
func (s *server) bindOptional(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge(tooBig.Limit)
		}
		return malformedJSON("could not read the request body")
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	return decodeAndValidate(s.validate, body, dst)
}

// renderAutoMessage renders the auto message's messages for friend (nil: nobody) the
// way the interpreter does.
func renderAutoMessage(m models.AutoMessage, friend *models.Friend) ([]json.RawMessage, error) {
	messages, problems := definition.ParseMessages(m.Messages)
	if len(problems) > 0 {
		// They were checked when saved: the language has changed under them since.
		return nil, fmt.Errorf("auto message %s no longer parses: %v", m.ID, problems)
	}
	var snapshot *activities.FriendSnapshot
	if friend != nil {
		fields := friend.Fields
		if fields == nil {
			fields = map[string]any{}
		}
		snapshot = &activities.FriendSnapshot{
			ID:          friend.ID,
			LineUserID:  friend.LineUserID,
			DisplayName: friend.DisplayName,
			PictureURL:  friend.PictureURL,
			Language:    friend.Language,
			Fields:      fields,
			Blocked:     friend.BlockedAt != nil,
		}
	}
	rendered, err := workflows.RenderMessages(messages, workflows.FriendLookup(snapshot))
	if err != nil {
		return nil, fmt.Errorf("render auto message %s: %w", m.ID, err)
	}
	return rendered, nil
}

// lineSendError maps what LINE made of a push to the API's statuses, with LINE's own
// words in the message: a refusal (bad message, unknown user, bad token) is a 422, a
// spent monthly quota a 409, and LINE failing or rate limiting a 503. LINE unreachable
// is a 503 without the transport's error (it names hosts and ports), and a failure
// before LINE was asked (credentials that do not open, the database) is the server's
// own, mapped like any other error: 500, or 503 for an unreachable database.
func lineSendError(err error) error {
	var (
		appErr    *temporal.ApplicationError
		transport *url.Error
	)
	switch {
	case errors.As(err, &appErr):
		said := strings.TrimPrefix(appErr.Message(), "LINE push: ")
		switch appErr.Type() {
		case activities.ErrLineQuotaExceeded:
			return conflict("LINE refused the push: "+said, nil)
		case activities.ErrLineRateLimited:
			return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
				Message: "LINE is rate limiting the channel; try again shortly: " + said, Cause: err}
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidationFailed,
			Message: "LINE refused the push: " + said, Cause: err}
	case errors.As(err, &transport):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "LINE could not be reached; try again (a push that did arrive arrived once)", Cause: err}
	case errors.Unwrap(err) != nil:
		// LINE's answers are errors of their own (activities.lineFailure): one that
		// wraps another error comes from this side, credentials or the database.
		return err
	}
	// What is left is LINE's own answer to the push, a 5xx or 408, in LINE's words.
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
		Message: "LINE failed; try again (a push that did arrive arrived once): " +
			strings.TrimPrefix(err.Error(), "LINE push: "), Cause: err}
}
