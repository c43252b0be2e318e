-- Broadcasts: messages sent to a segment's members with LINE multicast, by one Temporal
-- workflow per broadcast. The recipients are copied here when the broadcast starts, so
-- that its batches stay the same people however often a batch is retried or resumed, and
-- each batch sent is recorded beside the counters in one transaction, so that sent,
-- failed and remaining add up at every read.

-- +goose Up
-- segment_id and auto_message_id have no foreign key: a broadcast's record outlives the
-- segment and the auto message it was made from. messages are the LINE message objects
-- as sent (an auto message's are copied at creation). segment_definition is the
-- segment's conditions as they were when the broadcast started; NULL before.
-- status: scheduled, running, completed, cancelled, stopped, failed; stop_reason says
-- why a broadcast stopped or failed. total counts the recipients copied so far and is
-- final once snapshot_done; snapshot_after is the last friend ID the copy has looked at,
-- where its next page starts. sent and failed count recipients of recorded batches.
CREATE TABLE broadcasts (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id    TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    segment_id         TEXT NOT NULL,
    segment_definition TEXT,
    auto_message_id    TEXT,
    messages           TEXT NOT NULL,
    scheduled_at       DATETIME,
    status             TEXT NOT NULL,
    stop_reason        TEXT NOT NULL DEFAULT '',
    total              INTEGER NOT NULL DEFAULT 0,
    sent               INTEGER NOT NULL DEFAULT 0,
    failed             INTEGER NOT NULL DEFAULT 0,
    snapshot_after     TEXT NOT NULL DEFAULT '',
    snapshot_done      BOOLEAN NOT NULL DEFAULT 0,
    started_at         DATETIME,
    finished_at        DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX broadcasts_workspace ON broadcasts (workspace_id, id);

-- seq numbers the recipients from 0 in friend ID order; batch n is seq n*500 to
-- n*500+499. No foreign key to friends: a friend deleted mid-broadcast stays
-- counted in the batch they were in.
CREATE TABLE broadcast_recipients (
    broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    friend_id    TEXT NOT NULL,
    line_user_id TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, seq),
    UNIQUE (broadcast_id, friend_id)
);

-- One row per batch done with: how many of its recipients LINE took (sent) and how many
-- it did not (failed: LINE refused the batch, or a LINE user ID it cannot take), with
-- LINE's request ID.
CREATE TABLE broadcast_batches (
    broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    batch        INTEGER NOT NULL,
    sent         INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    request_id   TEXT NOT NULL DEFAULT '',
    recorded_at  DATETIME NOT NULL,
    PRIMARY KEY (broadcast_id, batch)
);

-- +goose Down
DROP TABLE broadcast_batches;
DROP TABLE broadcast_recipients;
DROP TABLE broadcasts;
