-- Workload pools: each account's issuers of agent tokens. Tags are rows of their own, so that
-- ListWorkloadPools' TagFilters read an index.
CREATE TABLE workload_pools (
    id                         TEXT PRIMARY KEY,
    account_id                 TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                       TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    project_name               TEXT NOT NULL DEFAULT 'default',
    allow_auto_create_identity INTEGER NOT NULL DEFAULT 0,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);
CREATE UNIQUE INDEX workload_pools_name_uq ON workload_pools (account_id, name);
CREATE INDEX workload_pools_created ON workload_pools (account_id, created_at, id);
CREATE INDEX workload_pools_updated ON workload_pools (account_id, updated_at, id);

CREATE TABLE workload_pool_tags (
    pool_id  TEXT NOT NULL REFERENCES workload_pools (id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (pool_id, key)
);
CREATE INDEX workload_pool_tags_key ON workload_pool_tags (key, value, pool_id);

-- The agents and services of a workload pool. A pool holding identities cannot be deleted
-- (no cascade: the deletion and a racing insert cannot both succeed).
CREATE TABLE workload_identities (
    id           TEXT PRIMARY KEY,
    pool_id      TEXT NOT NULL REFERENCES workload_pools (id),
    name         TEXT NOT NULL,
    category     TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    metadata     TEXT NOT NULL,
    return_urls  TEXT NOT NULL,
    source       TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX workload_identities_name_uq ON workload_identities (pool_id, name);
CREATE INDEX workload_identities_created ON workload_identities (pool_id, created_at, id);
CREATE INDEX workload_identities_updated ON workload_identities (pool_id, updated_at, id);
