-- Grants, generations and timed lockout.
--
-- A grant is one authorization of a client by a user (a code redeemed, or a native sign-in):
-- the family of its refresh tokens, and what every token issued from it checks. Revoking the
-- grant (reuse of a spent refresh token, a replayed code, sign-out, revocation) ends all of it
-- at once, whatever is in flight.
--
-- A user's generation moves on whenever a credential or the state changes (a password set, a
-- user disabled or locked); sessions, codes and grants carry the generation they were made
-- under and are worth nothing once it differs.

ALTER TABLE users ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;

CREATE TABLE grants (
    id          TEXT COLLATE "C" PRIMARY KEY,
    pool_uid    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    client_uid  TEXT COLLATE "C" NOT NULL,
    user_uid    TEXT COLLATE "C" NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    generation  BIGINT NOT NULL,
    session_id  TEXT COLLATE "C",
    revoked     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX grants_user ON grants (user_uid);
CREATE INDEX grants_session ON grants (session_id);

INSERT INTO grants (id, pool_uid, client_uid, user_uid, generation, session_id, revoked, created_at, expires_at)
SELECT family, MIN(pool_uid), MIN(client_uid), MIN(user_uid), 0, MIN(session_id), MAX(revoked),
       MIN(created_at), MAX(family_expires_at)
FROM refresh_tokens GROUP BY family;

ALTER TABLE login_sessions ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;

ALTER TABLE auth_codes ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auth_codes ADD COLUMN redeemed_at BIGINT;
ALTER TABLE auth_codes ADD COLUMN grant_id TEXT COLLATE "C";
