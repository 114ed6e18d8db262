-- Moved once per change to something processes cache (pools, clients, signing keys); every
-- process sharing the database watches it. A sequence, not a counter row: announcing never
-- waits on another writer.
CREATE SEQUENCE change_feed;
