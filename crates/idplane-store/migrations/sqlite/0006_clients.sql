-- User pool clients (OAuth applications). `sealed_secret` is the secret sealed with the master
-- key (NULL for public clients); `settings` is the JSON of everything that is never searched
-- (URLs, token lifetimes, flags). Deleting a pool deletes its clients.

CREATE TABLE clients (
    uid            TEXT PRIMARY KEY,
    pool_uid       TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    client_type    TEXT NOT NULL,
    sealed_secret  TEXT,
    settings       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX clients_created ON clients (pool_uid, created_at, uid);
CREATE INDEX clients_updated ON clients (pool_uid, updated_at, uid);
CREATE INDEX clients_name ON clients (pool_uid, name, uid);
