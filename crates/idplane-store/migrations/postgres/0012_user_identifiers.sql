-- Every sign-in identifier of every user (user name, e-mail address, phone number) by the key
-- it is compared by, unique across all three kinds within a pool. The keys are computed by
-- idplane (RFC 8265 preparation, NFKC and case folding, E.164), so the rows of users stored
-- before this table existed are filled in by the server at start, which refuses to start
-- when two of them collide.

CREATE TABLE user_identifiers (
    pool_uid   TEXT COLLATE "C" NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    match_key  TEXT COLLATE "C" NOT NULL,
    user_uid   TEXT COLLATE "C" NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    attribute  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_uid, match_key)
);
CREATE INDEX user_identifiers_user ON user_identifiers (user_uid);
