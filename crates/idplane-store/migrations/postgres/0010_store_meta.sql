-- Facts about the store itself, by name: the canary sealed with the master key at setup, which
-- proves at every start that the key in hand is the one the store's secrets are sealed with.

CREATE TABLE store_meta (
    name   TEXT COLLATE "C" PRIMARY KEY,
    value  TEXT COLLATE "C" NOT NULL
);
