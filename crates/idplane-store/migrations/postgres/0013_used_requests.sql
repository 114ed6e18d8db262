-- Signed requests claimed once (a Tencent request whose signature does not cover its action,
-- a legacy-signed request's nonce), by the hash of what identifies them, with the action they
-- first carried, until they would be refused as stale anyway. Used on PostgreSQL, where several
-- servers share the database.

CREATE TABLE used_requests (
    request     TEXT COLLATE "C" PRIMARY KEY,
    action      TEXT COLLATE "C" NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX used_requests_expiry ON used_requests (expires_at);
