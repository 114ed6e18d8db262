-- Group members carry their user's search and sort keys, so that a group's members are searched
-- by user name and sorted by display name from the membership index alone (the indexes also
-- hold the pool, so a pool-scoped search reads nothing else).
ALTER TABLE group_members ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE group_members ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE group_members SET
    username = (SELECT lower(u.preferred_username) FROM users u WHERE u.uid = group_members.user_uid),
    display_name = (SELECT u.display_name FROM users u WHERE u.uid = group_members.user_uid);
CREATE INDEX group_members_username ON group_members (group_uid, pool_uid, username, user_uid);
CREATE INDEX group_members_display_name ON group_members (group_uid, pool_uid, display_name, user_uid, username);
