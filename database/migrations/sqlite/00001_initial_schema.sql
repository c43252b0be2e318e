-- The first schema: tenants and keys, LINE accounts and friends, workflows with their
-- frozen versions, executions with their traces, and the content they use.
-- IDs are UUIDv7 text (time-ordered), so "newest first" is "id DESC".

-- +goose Up
CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX workspaces_name ON workspaces (name);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE UNIQUE INDEX api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, id);

CREATE TABLE line_accounts (
    id                          TEXT PRIMARY KEY,
    workspace_id                TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                        TEXT NOT NULL,
    channel_id                  TEXT NOT NULL,
    channel_secret_sealed       TEXT NOT NULL,
    channel_access_token_sealed TEXT NOT NULL,
    created_at                  DATETIME NOT NULL,
    updated_at                  DATETIME NOT NULL
);
CREATE UNIQUE INDEX line_accounts_channel ON line_accounts (workspace_id, channel_id);
CREATE INDEX line_accounts_workspace ON line_accounts (workspace_id, id);

CREATE TABLE friends (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    line_user_id    TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    picture_url     TEXT NOT NULL DEFAULT '',
    status_message  TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT '',
    followed_at     DATETIME,
    blocked_at      DATETIME,
    fields          TEXT NOT NULL DEFAULT '{}',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
-- Webhooks find the friend of an event by (account, LINE user).
CREATE UNIQUE INDEX friends_line_user ON friends (line_account_id, line_user_id);
CREATE INDEX friends_workspace ON friends (workspace_id, id);
CREATE INDEX friends_display_name ON friends (workspace_id, lower(display_name));

CREATE TABLE tags (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (workspace_id, name);

CREATE TABLE friend_tags (
    friend_id    TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    tag_id       TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (friend_id, tag_id)
);
-- Friends by tag (lists, segments, branch conditions).
CREATE INDEX friend_tags_tag ON friend_tags (tag_id, friend_id);

CREATE TABLE workflows (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id   TEXT REFERENCES line_accounts (id) ON DELETE SET NULL,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    trigger_type      TEXT NOT NULL DEFAULT '',
    draft             TEXT NOT NULL,
    active_version_id TEXT,
    active_version    INTEGER NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    last_published_by TEXT NOT NULL DEFAULT '',
    last_published_at DATETIME
);
CREATE INDEX workflows_workspace ON workflows (workspace_id, id);
CREATE INDEX workflows_name ON workflows (workspace_id, name);
-- A webhook event finds the active workflows its trigger starts.
CREATE INDEX workflows_trigger ON workflows (line_account_id, status, trigger_type);

CREATE TABLE workflow_versions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    workflow_id  TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    definition   TEXT NOT NULL,
    hash         TEXT NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    published_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX workflow_versions_number ON workflow_versions (workflow_id, version);

CREATE TABLE executions (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    workflow_id          TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    version_id           TEXT NOT NULL REFERENCES workflow_versions (id) ON DELETE CASCADE,
    version              INTEGER NOT NULL,
    friend_id            TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    line_account_id      TEXT NOT NULL DEFAULT '',
    temporal_workflow_id TEXT NOT NULL,
    temporal_run_id      TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    current_node         TEXT NOT NULL DEFAULT '',
    test                 BOOLEAN NOT NULL DEFAULT 0,
    error                TEXT NOT NULL DEFAULT '',
    started_at           DATETIME NOT NULL,
    finished_at          DATETIME,
    updated_at           DATETIME NOT NULL
);
CREATE INDEX executions_workspace ON executions (workspace_id, id);
CREATE INDEX executions_workflow ON executions (workflow_id, status, id);
CREATE INDEX executions_friend ON executions (friend_id, status);
CREATE INDEX executions_temporal ON executions (temporal_workflow_id, temporal_run_id);

CREATE TABLE execution_steps (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    execution_id  TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    workflow_id   TEXT NOT NULL,
    node_id       TEXT NOT NULL,
    node_type     TEXT NOT NULL,
    visit         INTEGER NOT NULL,
    outcome       TEXT NOT NULL DEFAULT '',
    outlet        TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    line_api      TEXT NOT NULL DEFAULT '',
    messages      INTEGER NOT NULL DEFAULT 0,
    started_at    DATETIME NOT NULL,
    finished_at   DATETIME
);
-- One row per visit: a retried write updates it instead of adding another.
CREATE UNIQUE INDEX execution_steps_visit ON execution_steps (execution_id, node_id, visit);
CREATE INDEX execution_steps_stats ON execution_steps (workflow_id, node_id, outcome);

CREATE TABLE auto_messages (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id TEXT REFERENCES line_accounts (id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    messages        TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX auto_messages_workspace ON auto_messages (workspace_id, id);

CREATE TABLE segments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    folder_id    TEXT,
    name         TEXT NOT NULL,
    groups       TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX segments_workspace ON segments (workspace_id, id);

CREATE TABLE qr_codes (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    workflow_id     TEXT REFERENCES workflows (id) ON DELETE SET NULL,
    campaign        TEXT NOT NULL DEFAULT '',
    scan_count      BIGINT NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX qr_codes_workspace ON qr_codes (workspace_id, id);

CREATE TABLE webhook_events (
    line_account_id TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    received_at     DATETIME NOT NULL,
    PRIMARY KEY (line_account_id, event_id)
);
-- Old delivery records are pruned by age.
CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- +goose Down
DROP TABLE webhook_events;
DROP TABLE qr_codes;
DROP TABLE segments;
DROP TABLE auto_messages;
DROP TABLE execution_steps;
DROP TABLE executions;
DROP TABLE workflow_versions;
DROP TABLE workflows;
DROP TABLE friend_tags;
DROP TABLE tags;
DROP TABLE friends;
DROP TABLE line_accounts;
DROP TABLE api_keys;
DROP TABLE workspaces;
