-- Lohusa local store, version 16: the mothers whose schedule can still put a visit on the
-- follow-up list (a window without a visit made: due, late or missed). A mother with all three
-- visits made is settled for good, whatever the date; she leaves this table when the flag cache
-- recomputes her (every write to her records marks her stale), and a correction that undoes a
-- visit brings her back. The follow-up list reads the schedule of these mothers only.
CREATE TABLE unsettled_mothers (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Every mother already held is computed once.
INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers;
