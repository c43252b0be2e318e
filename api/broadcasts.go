package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/workflows"
)

// maxBroadcastSchedule is how far ahead a broadcast may be scheduled.
const maxBroadcastSchedule = 365 * 24 * time.Hour

// segmentBroadcastBody is the body of POST /v1/segments/{id}/broadcasts: a broadcast to
// that segment. Exactly one of messages and autoMessageId; scheduledAt (RFC 3339, in the
// future) delays the start.
type segmentBroadcastBody struct {
	LineAccountID string          `json:"lineAccountId" validate:"required,notblank,max=100"`
	Messages      json.RawMessage `json:"messages"`
	AutoMessageID *string         `json:"autoMessageId" validate:"omitnil,notblank,max=100"`
	ScheduledAt   *string         `json:"scheduledAt" validate:"omitnil,max=64"`
}

// broadcastBody is the body of POST /v1/broadcasts: the same, naming the segment.
type broadcastBody struct {
	SegmentID     string          `json:"segmentId" validate:"required,notblank,max=100"`
	LineAccountID string          `json:"lineAccountId" validate:"required,notblank,max=100"`
	Messages      json.RawMessage `json:"messages"`
	AutoMessageID *string         `json:"autoMessageId" validate:"omitnil,notblank,max=100"`
	ScheduledAt   *string         `json:"scheduledAt" validate:"omitnil,max=64"`
}

// broadcastJSON is how a broadcast is shown: sent, failed and remaining always add up
// to total, which grows while the recipients are copied (recipientsFinal says when it
// no longer does).
type broadcastJSON struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	StopReason      string          `json:"stopReason"`
	SegmentID       string          `json:"segmentId"`
	LineAccountID   string          `json:"lineAccountId"`
	AutoMessageID   *string         `json:"autoMessageId"`
	Messages        json.RawMessage `json:"messages"`
	ScheduledAt     *time.Time      `json:"scheduledAt"`
	Total           int             `json:"total"`
	Sent            int             `json:"sent"`
	Failed          int             `json:"failed"`
	Remaining       int             `json:"remaining"`
	RecipientsFinal bool            `json:"recipientsFinal"`
	StartedAt       *time.Time      `json:"startedAt"`
	FinishedAt      *time.Time      `json:"finishedAt"`
	CreatedAt       time.Time       `json:"createdAt"`
	UpdatedAt       time.Time       `json:"updatedAt"`
}

func toBroadcastJSON(b models.Broadcast) broadcastJSON {
	return broadcastJSON{
		ID:              b.ID,
		Status:          string(b.Status),
		StopReason:      b.StopReason,
		SegmentID:       b.SegmentID,
		LineAccountID:   b.LineAccountID,
		AutoMessageID:   b.AutoMessageID,
		Messages:        json.RawMessage(b.Messages),
		ScheduledAt:     utcOrNil(b.ScheduledAt),
		Total:           b.Total,
		Sent:            b.Sent,
		Failed:          b.Failed,
		Remaining:       b.Remaining(),
		RecipientsFinal: b.SnapshotDone,
		StartedAt:       utcOrNil(b.StartedAt),
		FinishedAt:      utcOrNil(b.FinishedAt),
		CreatedAt:       b.CreatedAt.UTC(),
		UpdatedAt:       b.UpdatedAt.UTC(),
	}
}

// createBroadcast is POST /v1/broadcasts.
func (s *server) createBroadcast(c echo.Context) error {
	var in broadcastBody
	fields, err := s.bindCollecting(c, &in)
	if err != nil {
		return err
	}
	return s.startBroadcast(c, in.SegmentID, segmentBroadcastBody{
		LineAccountID: in.LineAccountID, Messages: in.Messages, AutoMessageID: in.AutoMessageID, ScheduledAt: in.ScheduledAt,
	}, fields)
}

// createSegmentBroadcast is POST /v1/segments/{id}/broadcasts, the segment list's
// "create broadcast": another workspace's segment is a 404 before the body is judged.
func (s *server) createSegmentBroadcast(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetSegment(ctx, ws, id); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return notFound("segment not found")
		}
		return err
	}
	var in segmentBroadcastBody
	fields, err := s.bindCollecting(c, &in)
	if err != nil {
		return err
	}
	return s.startBroadcast(c, id, in, fields)
}

// bindCollecting binds the body and returns its field problems instead of failing on
// them, so that the messages' problems join them in one answer.
func (s *server) bindCollecting(c echo.Context, dst any) (map[string]string, error) {
	err := s.bind(c, dst)
	var invalid *Error
	if err != nil && !(errors.As(err, &invalid) && invalid.Code == CodeValidationFailed) {
		return nil, err
	}
	fields := map[string]string{}
	if invalid != nil {
		for path, problem := range invalid.Fields {
			fields[path] = problem
		}
	}
	return fields, nil
}

// startBroadcast checks everything a broadcast names, reports every problem at once
// (422 by path), and has the engine save and start it: 202 with its ID and status.
func (s *server) startBroadcast(c echo.Context, segmentID string, in segmentBroadcastBody, fields map[string]string) error {
	ctx, ws := c.Request().Context(), workspaceID(c)
	if _, present := fields["segmentId"]; !present && segmentID != "" {
		if _, err := s.store.GetSegment(ctx, ws, segmentID); errors.Is(err, models.ErrNotFound) {
			fields["segmentId"] = "names no segment of the workspace"
		} else if err != nil {
			return err
		}
	}
	var scheduledAt *time.Time
	if in.ScheduledAt != nil {
		at, problem := parseScheduledAt(*in.ScheduledAt, time.Now())
		if problem != "" {
			fields["scheduledAt"] = problem
		} else {
			scheduledAt = &at
		}
	}
	messages, err := s.broadcastMessages(c, in, fields)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return validationFailed(fields)
	}
	if s.engine == nil {
		return engineMissing()
	}
	b, err := s.engine.StartBroadcast(ctx, ws, models.BroadcastInput{
		LineAccountID: in.LineAccountID,
		SegmentID:     segmentID,
		AutoMessageID: in.AutoMessageID,
		Messages:      messages,
		ScheduledAt:   scheduledAt,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": b.ID, "status": string(b.Status)})
}

// parseScheduledAt reads scheduledAt: RFC 3339, in the future, at most a year ahead.
func parseScheduledAt(raw string, now time.Time) (time.Time, string) {
	at, err := time.Parse(time.RFC3339, raw)
	switch {
	case err != nil:
		return time.Time{}, "must be a time in RFC 3339 form, such as 2026-05-01T09:00:00+09:00"
	case !at.After(now):
		return time.Time{}, "must be in the future; leave it out to send now"
	case at.Sub(now) > maxBroadcastSchedule:
		return time.Time{}, "must be at most a year ahead"
	}
	return at.UTC(), ""
}

// broadcastMessages returns the LINE message objects the broadcast sends: the body's
// messages, or the auto message's as they are now, rendered. A multicast sends the same
// messages to everyone, so messages that fill in {{…}} per friend are refused, at the
// message's path.
func (s *server) broadcastMessages(c echo.Context, in segmentBroadcastBody, fields map[string]string) ([]byte, error) {
	hasMessages := len(in.Messages) > 0 && string(in.Messages) != "null"
	switch {
	case hasMessages && in.AutoMessageID != nil:
		fields["autoMessageId"] = "give messages or autoMessageId, not both"
		return nil, nil
	case !hasMessages && in.AutoMessageID == nil:
		fields["messages"] = "required, unless autoMessageId names an auto message"
		return nil, nil
	case hasMessages:
		parsed, problems := definition.ParseMessages(in.Messages)
		for path, problem := range problems.Fields() {
			fields[path] = problem
		}
		if len(problems) > 0 {
			return nil, nil
		}
		return renderForEveryone(parsed, "messages", fields)
	}
	if _, present := fields["autoMessageId"]; present {
		return nil, nil
	}
	m, err := s.store.GetAutoMessage(c.Request().Context(), workspaceID(c), *in.AutoMessageID)
	if errors.Is(err, models.ErrNotFound) {
		fields["autoMessageId"] = "names no auto message of the workspace"
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	parsed, problems := definition.ParseMessages(m.Messages)
	if len(problems) > 0 {
		return nil, fmt.Errorf("auto message %s no longer parses: %v", m.ID, problems)
	}
	return renderForEveryone(parsed, "autoMessageId", fields)
}

// renderForEveryone renders messages as LINE message objects, refusing any that names a
// template: at path[i] for a body's messages, at path itself for an auto message's.
func renderForEveryone(messages []definition.Message, path string, fields map[string]string) ([]byte, error) {
	rendered := make([]json.RawMessage, 0, len(messages))
	for i, m := range messages {
		var names []string
		out, err := workflows.RenderMessages([]definition.Message{m}, func(name string) (string, bool) {
			names = append(names, "{{"+name+"}}")
			return "", false
		})
		if err != nil {
			return nil, err
		}
		if len(names) > 0 {
			at := fmt.Sprintf("%s[%d]", path, i)
			problem := fmt.Sprintf("fills in %s per friend, which a broadcast cannot: it sends the same messages to everyone", strings.Join(names, ", "))
			if path == "autoMessageId" {
				at = path
				problem = fmt.Sprintf("the auto message's messages[%d] %s", i, problem)
			}
			if _, taken := fields[at]; !taken {
				fields[at] = problem
			}
			continue
		}
		rendered = append(rendered, out...)
	}
	return json.Marshal(rendered)
}

func (s *server) listBroadcasts(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.ListBroadcasts(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]broadcastJSON, len(list))
	for i, b := range list {
		items[i] = toBroadcastJSON(b)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

func (s *server) getBroadcast(c echo.Context) error {
	b, err := s.store.GetBroadcast(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return broadcastError(err)
	}
	return c.JSON(http.StatusOK, toBroadcastJSON(b))
}

// cancelBroadcast cancels a scheduled, running or stopped broadcast: what it sent stays
// sent, nothing more goes out. A finished one is a 409.
func (s *server) cancelBroadcast(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetBroadcast(ctx, ws, id); err != nil {
		return broadcastError(err)
	}
	if s.engine == nil {
		return engineMissing()
	}
	b, err := s.engine.CancelBroadcast(ctx, ws, id)
	if err != nil {
		return broadcastError(err)
	}
	return c.JSON(http.StatusOK, toBroadcastJSON(b))
}

// resumeBroadcast sends the rest of a broadcast LINE's monthly quota stopped: only the
// recipients not sent to yet. Any other status is a 409.
func (s *server) resumeBroadcast(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetBroadcast(ctx, ws, id); err != nil {
		return broadcastError(err)
	}
	if s.engine == nil {
		return engineMissing()
	}
	b, err := s.engine.ResumeBroadcast(ctx, ws, id)
	if err != nil {
		return broadcastError(err)
	}
	return c.JSON(http.StatusAccepted, toBroadcastJSON(b))
}

// broadcastError names the object in a 404.
func broadcastError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("broadcast not found")
	}
	return err
}
