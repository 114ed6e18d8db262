-- Accounts, access keys and the directory: pools, users, groups, departments.
-- Optional text is stored as '' (never NULL) so sort columns stay index-friendly;
-- the unique indexes on login attributes skip ''.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE access_keys (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_secret  TEXT NOT NULL,
    status         TEXT NOT NULL,
    bound_pool     TEXT,
    description    TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);
CREATE INDEX access_keys_account ON access_keys (account_id);

CREATE TABLE user_pools (
    uid           TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    project_name  TEXT NOT NULL DEFAULT 'default',
    enabled       BIGINT NOT NULL DEFAULT 1,
    settings      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_pools_name_uq ON user_pools (account_id, name);
CREATE INDEX user_pools_created ON user_pools (account_id, created_at, uid);

CREATE TABLE users (
    uid                    TEXT PRIMARY KEY,
    pool_uid               TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    preferred_username     TEXT NOT NULL DEFAULT '',
    email                  TEXT NOT NULL DEFAULT '',
    phone_number           TEXT NOT NULL DEFAULT '',
    name                   TEXT NOT NULL DEFAULT '',
    display_name           TEXT NOT NULL DEFAULT '',
    given_name             TEXT NOT NULL DEFAULT '',
    family_name            TEXT NOT NULL DEFAULT '',
    middle_name            TEXT NOT NULL DEFAULT '',
    nickname               TEXT NOT NULL DEFAULT '',
    gender                 TEXT NOT NULL DEFAULT '',
    birthdate              TEXT NOT NULL DEFAULT '',
    locale                 TEXT NOT NULL DEFAULT '',
    picture                TEXT NOT NULL DEFAULT '',
    profile                TEXT NOT NULL DEFAULT '',
    website                TEXT NOT NULL DEFAULT '',
    zoneinfo               TEXT NOT NULL DEFAULT '',
    user_metadata          TEXT NOT NULL DEFAULT '',
    description            TEXT NOT NULL DEFAULT '',
    email_verified         BIGINT NOT NULL DEFAULT 0,
    phone_number_verified  BIGINT NOT NULL DEFAULT 0,
    custom_attributes      TEXT NOT NULL DEFAULT '[]',
    state                  TEXT NOT NULL,
    password_hash          TEXT NOT NULL DEFAULT '',
    latest_login           BIGINT NOT NULL DEFAULT 0,
    num_logins             BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_uq ON users (pool_uid, lower(preferred_username)) WHERE preferred_username <> '';
CREATE UNIQUE INDEX users_email_uq ON users (pool_uid, lower(email)) WHERE email <> '';
CREATE UNIQUE INDEX users_phone_uq ON users (pool_uid, phone_number) WHERE phone_number <> '';
CREATE INDEX users_created ON users (pool_uid, created_at, uid);
CREATE INDEX users_updated ON users (pool_uid, updated_at, uid);
CREATE INDEX users_display_name ON users (pool_uid, display_name, uid);
CREATE INDEX users_username ON users (pool_uid, preferred_username, uid);
CREATE INDEX users_name ON users (pool_uid, name, uid);

CREATE TABLE groups (
    uid           TEXT PRIMARY KEY,
    pool_uid      TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    precedence    BIGINT NOT NULL DEFAULT 0,
    iam_role_trn  TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_name_uq ON groups (pool_uid, name);
CREATE INDEX groups_created ON groups (pool_uid, created_at, uid);

CREATE TABLE group_members (
    group_uid   TEXT NOT NULL REFERENCES groups (uid) ON DELETE CASCADE,
    user_uid    TEXT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    pool_uid    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_uid, user_uid)
);
CREATE INDEX group_members_user ON group_members (user_uid, group_uid);

CREATE TABLE departments (
    uid           TEXT PRIMARY KEY,
    pool_uid      TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    parent_uid    TEXT REFERENCES departments (uid) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    external_id   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    precedence    BIGINT NOT NULL DEFAULT 0,
    iam_role_trn  TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL,
    name_path     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX departments_name_uq ON departments (pool_uid, parent_uid, name);
CREATE UNIQUE INDEX departments_root_uq ON departments (pool_uid) WHERE parent_uid IS NULL;
CREATE INDEX departments_path ON departments (pool_uid, path);
CREATE INDEX departments_parent ON departments (parent_uid, precedence, uid);

CREATE TABLE department_members (
    department_uid  TEXT NOT NULL REFERENCES departments (uid) ON DELETE CASCADE,
    user_uid        TEXT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    pool_uid        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (department_uid, user_uid)
);
CREATE INDEX department_members_user ON department_members (user_uid, department_uid);
