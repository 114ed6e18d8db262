-- Each pool keeps its user count, so ListUsers without a filter answers its exact TotalCount
-- without counting the pool's users (a million index entries for a pool of a million). Triggers
-- keep it through every way users come and go: single and bulk inserts, deletions, and a pool's
-- deletion (cascade). SQLite has one writer, so one row a pool is all it needs; the column that
-- spreads PostgreSQL's concurrent writers over rows is kept for one schema on both.
CREATE TABLE pool_user_counts (
    pool_uid  TEXT NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    shard     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (pool_uid, shard)
);
INSERT INTO pool_user_counts (pool_uid, shard, n)
    SELECT pool_uid, 0, COUNT(*) FROM users GROUP BY pool_uid;
CREATE TRIGGER users_count_in AFTER INSERT ON users
BEGIN
    INSERT INTO pool_user_counts (pool_uid, shard, n) VALUES (NEW.pool_uid, 0, 1)
        ON CONFLICT (pool_uid, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER users_count_out AFTER DELETE ON users
BEGIN
    UPDATE pool_user_counts SET n = n - 1 WHERE pool_uid = OLD.pool_uid AND shard = 0;
END;

-- Every sort key of the pool's user lists reads an index in order (the others are in 0001).
CREATE INDEX users_email ON users (pool_uid, email, uid);
CREATE INDEX users_phone ON users (pool_uid, phone_number, uid);
CREATE INDEX users_nickname ON users (pool_uid, nickname, uid);
CREATE INDEX users_latest_login ON users (pool_uid, latest_login, uid);
