-- Each group keeps its member count, so that reading a group, or counting the members of a
-- member list without conditions, does not count membership rows (100,000 index entries for a
-- group of 100,000). Statement triggers keep it, so every way members come and go is counted:
-- single and bulk adds (only rows actually inserted), removals, and a user's deletion
-- (cascade); a bulk add updates its group once. The groups are locked in uid order first, so
-- two statements touching the same groups cannot deadlock on them, and with NO KEY UPDATE,
-- which does not conflict with the KEY SHARE lock every member insert's foreign key check
-- holds on its group (FOR UPDATE would: two concurrent adds to one group would deadlock).
ALTER TABLE groups ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE groups g SET member_count = (SELECT COUNT(*) FROM group_members m WHERE m.group_uid = g.uid);

CREATE FUNCTION group_members_count_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM groups g WHERE g.uid IN (SELECT group_uid FROM added) ORDER BY g.uid FOR NO KEY UPDATE;
    UPDATE groups g SET member_count = g.member_count + a.n
      FROM (SELECT group_uid, COUNT(*) AS n FROM added GROUP BY group_uid) a
     WHERE g.uid = a.group_uid;
    RETURN NULL;
END
$$;

CREATE FUNCTION group_members_count_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM groups g WHERE g.uid IN (SELECT group_uid FROM removed) ORDER BY g.uid FOR NO KEY UPDATE;
    UPDATE groups g SET member_count = g.member_count - r.n
      FROM (SELECT group_uid, COUNT(*) AS n FROM removed GROUP BY group_uid) r
     WHERE g.uid = r.group_uid;
    RETURN NULL;
END
$$;

CREATE TRIGGER group_members_count_in AFTER INSERT ON group_members
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION group_members_count_in();
CREATE TRIGGER group_members_count_out AFTER DELETE ON group_members
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION group_members_count_out();
