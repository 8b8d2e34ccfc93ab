-- Lohusa local store, version 19: two caches for the lists, kept like the flag cache (a write to
-- a mother's records marks her stale in the same transaction; a list refreshes the stale ones
-- before it reads).
--
-- `schedules`: for every mother the lists may show (whole, not deleted, with a birth), what
-- they compute her visit windows from and show of her: her latest birth date, her recorded
-- visits (`number outcome date` for each, comma-separated) and the fields of hers the lists
-- show. The Today list reads the mothers born since a date in one range scan of
-- `schedules_by_birth`, instead of a seek into births, visits and mothers for each of them
-- scattered through the file.
CREATE TABLE schedules (
    mother_id     TEXT PRIMARY KEY,
    birth_date    TEXT NOT NULL,
    recorded      TEXT,
    full_name     TEXT,
    neighbourhood TEXT,
    nationality   TEXT,
    assigned_to   TEXT,
    closed_on     TEXT,
    closed_reason TEXT
) WITHOUT ROWID;
CREATE INDEX schedules_by_birth ON schedules (
    birth_date, mother_id, recorded, full_name, neighbourhood, nationality, assigned_to, closed_on,
    closed_reason
);
CREATE TABLE schedules_stale (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- `follow_up_mothers`: the mothers the follow-up list may show, kept by the flag cache beside
-- `unsettled_mothers`: those with a visit not made yet, and those with a flag that goes on the
-- list until a doctor signs it off (not a note, or a lab result).
CREATE TABLE follow_up_mothers (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Every mother already held is computed once.
INSERT OR IGNORE INTO schedules_stale (mother_id) SELECT id FROM mothers;
INSERT OR IGNORE INTO flags_stale (mother_id) SELECT id FROM mothers;
