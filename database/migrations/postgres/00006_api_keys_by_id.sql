-- API keys are never shown: actors recorded as "api-key:" and the first 12 characters
-- of a key name the key by its ID instead, the stored key prefixes go, and the keys
-- `lumo dev` manages from LUMO_DEV_API_KEY are marked, so that a new value revokes them.

-- +goose Up
-- dev marks the keys EnsureDevWorkspace made: only it ever named a key "dev".
ALTER TABLE api_keys ADD COLUMN dev BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_keys SET dev = TRUE WHERE name = 'dev';

-- The new actor for each old one, within its workspace. A prefix that several keys of
-- the workspace share (user-chosen dev keys can) leaves which key acted unknown: "api-key".
-- An "api-key:…" that names no key's prefix came from X-Lumo-Actor, and stays.
CREATE TEMPORARY TABLE api_key_actor_renames AS
SELECT workspace_id,
       'api-key:' || prefix AS old_actor,
       CASE WHEN count(*) = 1 THEN 'api-key:' || min(id) ELSE 'api-key' END AS new_actor
FROM api_keys
WHERE prefix <> ''
GROUP BY workspace_id, prefix;

UPDATE workflows SET created_by = r.new_actor
FROM api_key_actor_renames r
WHERE r.workspace_id = workflows.workspace_id AND r.old_actor = workflows.created_by;

UPDATE workflows SET last_published_by = r.new_actor
FROM api_key_actor_renames r
WHERE r.workspace_id = workflows.workspace_id AND r.old_actor = workflows.last_published_by;

UPDATE workflow_versions SET published_by = r.new_actor
FROM api_key_actor_renames r
WHERE r.workspace_id = workflow_versions.workspace_id AND r.old_actor = workflow_versions.published_by;

DROP TABLE api_key_actor_renames;

-- Blanked before the column goes: PostgreSQL drops a column by hiding it,
-- and its values stay in the rows on disk until they are next written.
UPDATE api_keys SET prefix = '';
ALTER TABLE api_keys DROP COLUMN prefix;

-- +goose Down
-- The prefixes and the old actors are gone for good: the column comes back empty.
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys DROP COLUMN dev;
