-- LINE webhook events that were signed but could not be acted on (a user ID that is not
-- LINE's shape, a timestamp outside any sane range, a field longer than LINE allows):
-- dropped from the delivery, which is still acknowledged, and kept here so an operator
-- can see what came and why it was refused.

-- +goose Up
-- event_key is the event's webhookEventId, or a digest of what stays the same on a
-- redelivery when that ID is itself unusable; it makes a redelivery record nothing twice.
-- event is the start of the event's JSON as LINE sent it (at most 4 KB).
CREATE TABLE rejected_webhook_events (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    event_key       TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    reason          TEXT NOT NULL,
    event           TEXT NOT NULL,
    received_at     DATETIME NOT NULL,
    UNIQUE (line_account_id, event_key)
);

-- +goose Down
DROP TABLE rejected_webhook_events;
