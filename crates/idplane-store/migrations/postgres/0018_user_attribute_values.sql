-- Every custom attribute value of every user, one row each, so ListUsers' CustomAttributeFilter
-- finds users through an index instead of reading each user's list of values. `ordinal` is the
-- value's order key when it has one (whole numbers; RFC 3339 times in microseconds), which range
-- searches on Number and DateTime attributes compare. Written with the user in the same
-- transaction; the rows of users stored before this table existed are filled in at start.
CREATE TABLE user_attribute_values (
    pool_uid  TEXT COLLATE "C" NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    user_uid  TEXT COLLATE "C" NOT NULL REFERENCES users (uid) ON DELETE CASCADE,
    name      TEXT COLLATE "C" NOT NULL,
    value     TEXT COLLATE "C" NOT NULL,
    ordinal   BIGINT,
    PRIMARY KEY (user_uid, name)
);
CREATE INDEX user_attribute_values_value ON user_attribute_values (pool_uid, name, value, user_uid);
CREATE INDEX user_attribute_values_ordinal ON user_attribute_values (pool_uid, name, ordinal, user_uid)
    WHERE ordinal IS NOT NULL;
