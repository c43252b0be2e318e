-- The workflow lifecycle: documents kept byte for byte, names unique among a workspace's
-- live workflows, when a workflow was archived, and which workflows each version starts.

-- +goose Up
-- json, unlike jsonb, keeps the text as written: a draft reads back as the marketer sent
-- it (key order and all), and a frozen version still matches the hash taken of it.
ALTER TABLE workflows ALTER COLUMN draft TYPE JSON USING draft::json;
ALTER TABLE workflow_versions ALTER COLUMN definition TYPE JSON USING definition::json;

ALTER TABLE workflows ADD COLUMN archived_at TIMESTAMPTZ;

-- The IDs of the workflows a version's start_workflow steps start, so that loop detection
-- across workflows reads every active graph's edges in one query.
ALTER TABLE workflow_versions ADD COLUMN starts_workflows JSONB NOT NULL DEFAULT '[]';

-- Names are unique (case-sensitive) among a workspace's workflows that are not archived:
-- archiving frees a name. This index also serves the lookups workflows_name did.
DROP INDEX workflows_name;
CREATE UNIQUE INDEX workflows_live_name ON workflows (workspace_id, name) WHERE status <> 'archived';

-- +goose Down
DROP INDEX workflows_live_name;
CREATE INDEX workflows_name ON workflows (workspace_id, name);
ALTER TABLE workflow_versions DROP COLUMN starts_workflows;
ALTER TABLE workflows DROP COLUMN archived_at;
ALTER TABLE workflow_versions ALTER COLUMN definition TYPE JSONB USING definition::jsonb;
ALTER TABLE workflows ALTER COLUMN draft TYPE JSONB USING draft::jsonb;
