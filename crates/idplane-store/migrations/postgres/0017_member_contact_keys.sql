-- Group members carry every key a member search filters or sorts on: besides the user name,
-- display name and times (0003, 0004), the phone number, the lower-cased e-mail address and the
-- state. A group's members are then searched, counted and paged on the membership rows alone,
-- whatever the condition and sort key, and users are read for the page's rows only. Kept in
-- step with the user row by every write that changes one of them.
ALTER TABLE group_members ADD COLUMN phone TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE group_members ADD COLUMN email TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE group_members ADD COLUMN state TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE group_members SET phone = u.phone_number, email = lower(u.email), state = u.state,
    username = lower(u.preferred_username), display_name = u.display_name,
    user_updated_at = u.updated_at
FROM users u WHERE u.uid = group_members.user_uid;
CREATE INDEX group_members_phone ON group_members (group_uid, phone, user_uid);
CREATE INDEX group_members_email ON group_members (group_uid, email, user_uid);
CREATE INDEX group_members_state ON group_members (group_uid, state, user_uid);
-- Ties between user names (only users without one share a name) are broken by the uid, as the
-- sort asks, from the index itself.
DROP INDEX group_members_username;
CREATE INDEX group_members_username ON group_members (group_uid, username, user_uid, display_name);
ANALYZE group_members;
