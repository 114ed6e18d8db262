-- A pool's custom user attributes (CreateUserPoolCustomAttribute): names unique in a pool in any
-- letter case; bounds as decimal text, '' when there is none.
CREATE TABLE custom_attributes (
    uid         TEXT PRIMARY KEY,
    pool_uid    TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    data_type   TEXT NOT NULL,
    mutability  TEXT NOT NULL,
    minimum     TEXT NOT NULL DEFAULT '',
    maximum     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX custom_attributes_name_uq ON custom_attributes (pool_uid, lower(name));
