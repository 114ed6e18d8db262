-- A pool's custom user attributes (CreateUserPoolCustomAttribute): names unique in a pool in any
-- letter case; bounds as decimal text, '' when there is none.
CREATE TABLE custom_attributes (
    uid         TEXT COLLATE "C" PRIMARY KEY,
    pool_uid    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    data_type   TEXT COLLATE "C" NOT NULL,
    mutability  TEXT COLLATE "C" NOT NULL,
    minimum     TEXT COLLATE "C" NOT NULL DEFAULT '',
    maximum     TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX custom_attributes_name_uq ON custom_attributes (pool_uid, lower(name));
