-- Indexes for counting segments of large workspaces. segments.Count makes each condition
-- group a set of friend IDs; the added-date condition's set is then read from this index
-- alone (an index-only scan), without visiting the friends rows, when the index carries
-- the ID. It replaces friends_added, whose columns it starts with.

-- +goose Up
CREATE INDEX friends_added_ids ON friends (workspace_id, created_at, id);
DROP INDEX friends_added;

-- +goose Down
CREATE INDEX friends_added ON friends (workspace_id, created_at);
DROP INDEX friends_added_ids;
