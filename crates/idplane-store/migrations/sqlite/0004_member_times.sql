-- Group members also carry their user's creation and update times, so that a group's members
-- are searched by those times (and sorted by them, or by display name within a time range)
-- from the membership indexes alone, as 0003 did for the names. Kept in step on every user
-- update; a user's creation time never changes.
ALTER TABLE group_members ADD COLUMN user_created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN user_updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE group_members SET
    user_created_at = (SELECT u.created_at FROM users u WHERE u.uid = group_members.user_uid),
    user_updated_at = (SELECT u.updated_at FROM users u WHERE u.uid = group_members.user_uid);
CREATE INDEX group_members_user_created ON group_members (group_uid, pool_uid, user_created_at, display_name, user_uid);
CREATE INDEX group_members_user_updated ON group_members (group_uid, pool_uid, user_updated_at, display_name, user_uid);
-- A user-name prefix search sorted by display name reads both keys from one index.
DROP INDEX group_members_username;
CREATE INDEX group_members_username ON group_members (group_uid, pool_uid, username, display_name, user_uid);
