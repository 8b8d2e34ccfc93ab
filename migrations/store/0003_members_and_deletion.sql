-- Lohusa local store, version 3: member names travel with sync (so a conflict can say who wrote
-- each value), and a mother's record can be deleted by a field that merges like any other.

CREATE TABLE members (
    id   TEXT PRIMARY KEY,
    name TEXT
) STRICT;

ALTER TABLE mothers ADD COLUMN deleted INTEGER;  -- 1 when deleted; hidden from lists and search
