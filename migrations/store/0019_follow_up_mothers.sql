-- Lohusa local store, version 19: the mothers the follow-up list may show, kept by the flag
-- cache beside `unsettled_mothers`: those with a visit not made yet, and those with a flag that
-- goes on the list until a doctor signs it off (not a note, or a lab result). With each, what
-- her schedule is computed from, as the cache last read it: her latest birth date and her
-- recorded visits (`number outcome date` for each, comma-separated). The list reads these rows
-- and each mother's name and case, instead of working the set out from two tables and reading
-- births and visits for it on every read.
CREATE TABLE follow_up_mothers (
    mother_id  TEXT PRIMARY KEY,
    birth_date TEXT,
    recorded   TEXT
) STRICT, WITHOUT ROWID;

-- Every mother already held is computed once.
INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers;
