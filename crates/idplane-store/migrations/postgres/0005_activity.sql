-- Monthly active users. `activity_users` holds one row per (pool, month, user) first seen
-- active; `activity_counts` holds each pool-month's figure, split over a few shard rows so
-- concurrent first activities rarely wait on one row, and grown in the same transaction as a
-- first insert. `month` is the integer YYYYMM. No foreign keys: a month's figure is history and
-- outlives a deleted pool or user; `account_id` keeps the figures scoped to their account.

CREATE TABLE activity_users (
    pool_uid  TEXT NOT NULL,
    month     BIGINT NOT NULL,
    user_uid  TEXT NOT NULL,
    first_at  BIGINT NOT NULL,
    PRIMARY KEY (pool_uid, month, user_uid)
);

CREATE TABLE activity_counts (
    pool_uid    TEXT NOT NULL,
    month       BIGINT NOT NULL,
    shard       BIGINT NOT NULL,
    account_id  TEXT NOT NULL,
    users       BIGINT NOT NULL,
    PRIMARY KEY (pool_uid, month, shard)
);
CREATE INDEX activity_counts_account ON activity_counts (account_id, month, pool_uid, users);
