-- The membership indexes lead with the group alone. A group's uid is unique across pools, so
-- the pool's uid after it narrowed nothing: member searches now find their group within the
-- pool once (a constant subquery) and walk the group's entries, each 37 bytes shorter. The
-- user-name index carries the display name but no longer the uid: a prefix search over many
-- members reads their display names from it (sorted by display name, a deep page is found
-- from those keys alone, then read in order from the display-name index).
DROP INDEX group_members_username;
CREATE INDEX group_members_username ON group_members (group_uid, username, display_name);
DROP INDEX group_members_display_name;
CREATE INDEX group_members_display_name ON group_members (group_uid, display_name, user_uid, username);
DROP INDEX group_members_user_created;
CREATE INDEX group_members_user_created ON group_members (group_uid, user_created_at, display_name, user_uid);
DROP INDEX group_members_user_updated;
CREATE INDEX group_members_user_updated ON group_members (group_uid, user_updated_at, display_name, user_uid);
