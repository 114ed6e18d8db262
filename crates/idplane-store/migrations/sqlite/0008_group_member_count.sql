-- Each group keeps its member count, so that reading a group, or counting the members of a
-- member list without conditions, does not count membership rows (100,000 index entries for a
-- group of 100,000). Triggers keep it, so every way members come and go is counted: single and
-- bulk adds (only rows actually inserted), removals, and a user's deletion (cascade).
ALTER TABLE groups ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members m WHERE m.group_uid = groups.uid);
CREATE TRIGGER group_members_count_in AFTER INSERT ON group_members
BEGIN
    UPDATE groups SET member_count = member_count + 1 WHERE uid = NEW.group_uid;
END;
CREATE TRIGGER group_members_count_out AFTER DELETE ON group_members
BEGIN
    UPDATE groups SET member_count = member_count - 1 WHERE uid = OLD.group_uid;
END;
