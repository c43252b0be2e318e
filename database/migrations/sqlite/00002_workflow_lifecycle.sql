-- The workflow lifecycle: names unique among a workspace's live workflows, when a
-- workflow was archived, and which workflows each version starts. (Documents are TEXT
-- here already, so they are kept byte for byte without a change.)

-- +goose Up
ALTER TABLE workflows ADD COLUMN archived_at DATETIME;

-- The IDs of the workflows a version's start_workflow steps start, so that loop detection
-- across workflows reads every active graph's edges in one query.
ALTER TABLE workflow_versions ADD COLUMN starts_workflows TEXT NOT NULL DEFAULT '[]';

-- Names are unique (case-sensitive) among a workspace's workflows that are not archived:
-- archiving frees a name. This index also serves the lookups workflows_name did.
DROP INDEX workflows_name;
CREATE UNIQUE INDEX workflows_live_name ON workflows (workspace_id, name) WHERE status <> 'archived';

-- +goose Down
DROP INDEX workflows_live_name;
CREATE INDEX workflows_name ON workflows (workspace_id, name);
ALTER TABLE workflow_versions DROP COLUMN starts_workflows;
ALTER TABLE workflows DROP COLUMN archived_at;
