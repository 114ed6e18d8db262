-- Sign-in: token-signing keys, authorization codes, refresh tokens, revoked access tokens,
-- hosted-page sessions, and consecutive failed sign-ins for lockout.

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    pool_uid        TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    algorithm       TEXT NOT NULL,
    sealed_private  TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);
CREATE INDEX signing_keys_pool ON signing_keys (pool_uid, created_at);

CREATE TABLE auth_codes (
    code_hash       TEXT PRIMARY KEY,
    pool_uid        TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    client_uid      TEXT NOT NULL,
    user_uid        TEXT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    session_id      TEXT,
    auth_time       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX auth_codes_user ON auth_codes (user_uid);

CREATE TABLE refresh_tokens (
    token_hash        TEXT PRIMARY KEY,
    family            TEXT NOT NULL,
    pool_uid          TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    client_uid        TEXT NOT NULL,
    user_uid          TEXT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    scope             TEXT NOT NULL,
    session_id        TEXT,
    auth_time         BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    family_expires_at BIGINT NOT NULL,
    used_at           BIGINT,
    revoked           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_uid);

CREATE TABLE revoked_tokens (
    jti         TEXT PRIMARY KEY,
    pool_uid    TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE login_sessions (
    id_hash     TEXT PRIMARY KEY,
    pool_uid    TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    user_uid    TEXT NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions (user_uid);

ALTER TABLE users ADD COLUMN failed_sign_ins BIGINT NOT NULL DEFAULT 0;
