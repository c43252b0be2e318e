-- Workspace secrets, which definitions name (a send_data step's secretRef) and never
-- hold, and auto message names unique in a workspace.

-- +goose Up
-- value_sealed is a secrets.Box value bound to the secret's workspace and name, so a
-- sealed value copied into another row does not open.
CREATE TABLE secrets (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    value_sealed TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
-- A secret is found by name (a workspace has a handful, so lists need no index of their own).
CREATE UNIQUE INDEX secrets_name ON secrets (workspace_id, name);

-- Nothing wrote auto messages before this version, so no duplicate can stop the index.
CREATE UNIQUE INDEX auto_messages_name ON auto_messages (workspace_id, name);

-- +goose Down
DROP INDEX auto_messages_name;
DROP TABLE secrets;
