-- Each pool keeps its user count, so ListUsers without a filter answers its exact TotalCount
-- without counting the pool's users (a million index entries for a pool of a million).
-- Statement triggers keep it through every way users come and go: single and bulk inserts,
-- deletions, and a pool's deletion (cascade). A pool's count is spread over 16 rows, each
-- connection adding to the row its backend process picks, so concurrent writers to one pool
-- do not queue on one row; the count is their sum. A deletion records its negative count only
-- while the pool still exists (a pool being deleted takes its rows with it).
CREATE TABLE pool_user_counts (
    pool_uid  TEXT COLLATE "C" NOT NULL REFERENCES user_pools (uid) ON DELETE CASCADE,
    shard     INTEGER NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (pool_uid, shard)
);
INSERT INTO pool_user_counts (pool_uid, shard, n)
    SELECT pool_uid, 0, COUNT(*) FROM users GROUP BY pool_uid;

CREATE FUNCTION users_count_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pool_user_counts AS c (pool_uid, shard, n)
    SELECT pool_uid, pg_backend_pid() % 16, COUNT(*) FROM added GROUP BY pool_uid ORDER BY pool_uid
        ON CONFLICT (pool_uid, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION users_count_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pool_user_counts AS c (pool_uid, shard, n)
    SELECT r.pool_uid, pg_backend_pid() % 16, -COUNT(*) FROM removed r
      JOIN user_pools p ON p.uid = r.pool_uid
     GROUP BY r.pool_uid ORDER BY r.pool_uid
        ON CONFLICT (pool_uid, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_count_in AFTER INSERT ON users
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION users_count_in();
CREATE TRIGGER users_count_out AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION users_count_out();

-- Every sort key of the pool's user lists reads an index in order (the others are in 0001).
CREATE INDEX users_email ON users (pool_uid, email, uid);
CREATE INDEX users_phone ON users (pool_uid, phone_number, uid);
CREATE INDEX users_nickname ON users (pool_uid, nickname, uid);
CREATE INDEX users_latest_login ON users (pool_uid, latest_login, uid);
ANALYZE users;
