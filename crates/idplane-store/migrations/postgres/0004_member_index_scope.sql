-- The membership indexes also hold the pool, so a pool-scoped search of a group's members reads
-- the index alone.
DROP INDEX group_members_username;
DROP INDEX group_members_display_name;
CREATE INDEX group_members_username ON group_members (group_uid, pool_uid, username, user_uid);
CREATE INDEX group_members_display_name ON group_members (group_uid, pool_uid, display_name, user_uid, username);
