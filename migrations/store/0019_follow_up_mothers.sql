-- Lohusa local store, version 19: the mothers the follow-up list may show, kept by the flag
-- cache beside `unsettled_mothers`: those with a visit not made yet, and those with a flag that
-- goes on the list until a doctor signs it off (not a note, or a lab result). The list reads the
-- records of these mothers only, in the order of their ids, instead of working the set out from
-- two tables on every read.
CREATE TABLE follow_up_mothers (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Every mother already held is computed once.
INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers;
