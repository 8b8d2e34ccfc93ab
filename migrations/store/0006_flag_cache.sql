-- Lohusa local store, version 6: the red flags of recorded visits, kept for the follow-up lists.
-- Flags are a pure function of a mother's records and the shipped rules; this table is a cache
-- of that function. A write to a mother, birth, baby or visit marks the mother stale
-- (`flags_stale`); the lists recompute stale mothers before they read.

CREATE TABLE visit_flags (
    visit_id   TEXT    NOT NULL,
    position   INTEGER NOT NULL,   -- the flag's place in the visit's list (urgent first)
    mother_id  TEXT    NOT NULL,
    number     INTEGER NOT NULL,   -- the visit's, copied so the list needs no join
    visited_on TEXT    NOT NULL,
    visited_by TEXT,
    flag_key   TEXT    NOT NULL,   -- review::flag_key: the rule, and the baby it is about
    level      TEXT    NOT NULL,   -- flags::FlagLevel
    lab        INTEGER NOT NULL,   -- 1 when it cites a lab result (followup::is_lab)
    flag       TEXT    NOT NULL,   -- flags::Flag as JSON, read only for the rows shown
    PRIMARY KEY (visit_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_flags_by_mother ON visit_flags (mother_id);

CREATE TABLE flags_stale (
    mother_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Every mother already held is computed once.
INSERT INTO flags_stale (mother_id) SELECT id FROM mothers;
