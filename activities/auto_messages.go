package activities

import (
	"context"
	"encoding/json"

	"github.com/lumoworkflows/lumo/models"
)

// AutoMessages holds the activity that reads a saved auto message for a
// send_auto_message step.
//
// It is meant to run as a local activity, like the Friends activities: one short read
// of the worker's own database, which a round trip through the Temporal server would
// cost more than. Reading is harmless to repeat.
type AutoMessages struct {
	Store *models.Store
}

// AutoMessageRef names an auto message of a workspace.
type AutoMessageRef struct {
	WorkspaceID   string
	AutoMessageID string
}

// AutoMessageContent is an auto message as a step sends it.
type AutoMessageContent struct {
	ID   string
	Name string
	// Messages is the JSON array of messages in the definition language's format, as
	// saved (checked by definition.ParseMessages on the way in).
	Messages json.RawMessage
}

// Get reads the auto message as it is now: a step sends the latest edit. One that is
// gone (deleted, or another workspace's) is a non-retryable ErrNotFound.
func (a *AutoMessages) Get(ctx context.Context, in AutoMessageRef) (AutoMessageContent, error) {
	m, err := a.Store.GetAutoMessage(ctx, in.WorkspaceID, in.AutoMessageID)
	if err != nil {
		return AutoMessageContent{}, storeFailure("read auto message "+in.AutoMessageID, err)
	}
	return AutoMessageContent{ID: m.ID, Name: m.Name, Messages: json.RawMessage(m.Messages)}, nil
}
