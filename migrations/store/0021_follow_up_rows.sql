-- Lohusa local store, version 21: the follow-up list itself, kept like the other caches, so a
-- read costs in proportion to the rows shown, not to the mothers on the list.
--
-- `follow_up_rows`: every row of the doctor's list as of one day (`follow_up_day` in `meta`),
-- with what it sorts by (`follow_up_rows_in_order` is the list's order: group, date, name,
-- visit number, mother, flag), what it shows and what the doctor filters by (`*_key`: folded as
-- the search folds text). A mother's rows are rebuilt when her records change (her flags or
-- schedule row are recomputed, a sign-off of her visit is written, the member she is assigned
-- to is renamed) and on `follow_up_changes.day`, the first day her schedule's rows may differ.
CREATE TABLE follow_up_rows (
    mother_id     TEXT    NOT NULL,
    kind          INTEGER NOT NULL,   -- followup::FollowUpKind, in the list's order
    day           INTEGER NOT NULL,   -- the row's date, as days from the common era
    full_name     TEXT    NOT NULL,
    number        INTEGER NOT NULL,
    visit_id      TEXT,               -- a flag's visit and its place among the visit's flags
    position      INTEGER,
    neighbourhood TEXT,
    nationality   TEXT,
    nurse         TEXT,
    nurse_key     TEXT,
    place_key     TEXT,
    nation_key    TEXT
) STRICT;
CREATE INDEX follow_up_rows_in_order ON follow_up_rows (kind, day, full_name, number, mother_id, visit_id, position);
CREATE INDEX follow_up_rows_by_mother ON follow_up_rows (mother_id);
CREATE INDEX follow_up_rows_by_kind ON follow_up_rows (kind);

CREATE TABLE follow_up_changes (
    mother_id TEXT    PRIMARY KEY,
    day       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX follow_up_changes_by_day ON follow_up_changes (day);

CREATE TABLE follow_up_stale (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- A sign-off takes flags off the list by its visit.
CREATE INDEX reviews_by_visit ON reviews (visit_id);
