-- Segments: folders, a segment's definition and its last count, the integrations a
-- workspace has connected, and the friend-side data of those integrations that segment
-- conditions read (linked IDs, lists, properties, Shopify customers and their tags).
-- The indexes serve the segment compiler (package segments): its EXISTS subqueries are
-- keyed by friend ID, and the PostgreSQL planner turns them into semi-joins that start
-- from the (workspace or service, value) indexes when those are selective.

-- +goose Up
-- Nothing wrote the first segments table: it is replaced, not altered.
DROP TABLE segments;

CREATE TABLE segment_folders (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX segment_folders_name ON segment_folders (workspace_id, name);
CREATE INDEX segment_folders_workspace ON segment_folders (workspace_id, id);

-- definition is the segments.Definition as JSON; count and counted_at the last count
-- (on save and on demand), NULL before the first. A folder holding segments cannot be
-- deleted (the Store says why; the foreign key makes sure).
CREATE TABLE segments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    folder_id    TEXT REFERENCES segment_folders (id),
    name         TEXT NOT NULL,
    definition   JSONB NOT NULL,
    count        BIGINT,
    counted_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (workspace_id, name);
CREATE INDEX segments_workspace ON segments (workspace_id, id);
CREATE INDEX segments_folder ON segments (workspace_id, folder_id, id);

-- A connected service; the integration issues add their columns (credentials, sealed).
CREATE TABLE integrations (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    service      TEXT NOT NULL,
    connected_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX integrations_service ON integrations (workspace_id, service);

-- The friend's ID in a service (a Shopify customer, a HubSpot contact, a Klaviyo profile).
CREATE TABLE friend_integration_links (
    friend_id    TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    service      TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    linked_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (friend_id, service)
);
-- A service's webhook finds the friends of one of its IDs.
CREATE INDEX friend_integration_links_external ON friend_integration_links (workspace_id, service, external_id);

-- The service's lists (HubSpot lists, Klaviyo lists) the friend is on.
CREATE TABLE friend_integration_lists (
    friend_id    TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    service      TEXT NOT NULL,
    list_id      TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    added_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (friend_id, service, list_id)
);
CREATE INDEX friend_integration_lists_list ON friend_integration_lists (workspace_id, service, list_id, friend_id);

-- The service's properties of the friend, one row a property: value_text is its text,
-- value_number its number when it is one or reads as one (HubSpot sends numbers as
-- text), so that conditions compare both with an index.
CREATE TABLE friend_integration_properties (
    friend_id    TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    service      TEXT NOT NULL,
    name         TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    value        JSONB NOT NULL,
    value_text   TEXT NOT NULL,
    value_number DOUBLE PRECISION,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (friend_id, service, name)
);
CREATE INDEX friend_integration_properties_text ON friend_integration_properties (workspace_id, service, name, value_text);
CREATE INDEX friend_integration_properties_number ON friend_integration_properties (workspace_id, service, name, value_number);

-- The friend as a Shopify customer: order count, last order, the open abandoned
-- checkout (NULL when none), and the customer's tags.
CREATE TABLE friend_shopify_customers (
    friend_id         TEXT PRIMARY KEY REFERENCES friends (id) ON DELETE CASCADE,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    orders_count      BIGINT NOT NULL DEFAULT 0,
    last_order_at     TIMESTAMPTZ,
    abandoned_cart_at TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX friend_shopify_customers_orders ON friend_shopify_customers (workspace_id, orders_count);
CREATE INDEX friend_shopify_customers_last_order ON friend_shopify_customers (workspace_id, last_order_at);
CREATE INDEX friend_shopify_customers_abandoned ON friend_shopify_customers (workspace_id, abandoned_cart_at);

CREATE TABLE friend_shopify_tags (
    friend_id    TEXT NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    PRIMARY KEY (friend_id, tag)
);
CREATE INDEX friend_shopify_tags_tag ON friend_shopify_tags (workspace_id, tag, friend_id);

-- What the compiler filters friends on: when they were added, and their fields (eq is
-- JSON containment, which a jsonb_path_ops GIN index answers).
CREATE INDEX friends_added ON friends (workspace_id, created_at);
CREATE INDEX friends_fields ON friends USING GIN (fields jsonb_path_ops);
-- workflow.enrolled / workflow.completed look up a workflow's runs by friend.
CREATE INDEX executions_workflow_friend ON executions (workflow_id, friend_id, status);

-- +goose Down
DROP INDEX executions_workflow_friend;
DROP INDEX friends_fields;
DROP INDEX friends_added;
DROP TABLE friend_shopify_tags;
DROP TABLE friend_shopify_customers;
DROP TABLE friend_integration_properties;
DROP TABLE friend_integration_lists;
DROP TABLE friend_integration_links;
DROP TABLE integrations;
DROP TABLE segments;
DROP TABLE segment_folders;
CREATE TABLE segments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    folder_id    TEXT,
    name         TEXT NOT NULL,
    groups       JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX segments_workspace ON segments (workspace_id, id);
