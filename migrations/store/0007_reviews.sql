-- Lohusa local store, version 7: doctors' sign-offs of red flags (review::ReviewRecord), one
-- row per sign-off; they sync like any record.

CREATE TABLE reviews (
    id          TEXT PRIMARY KEY,
    mother_id   TEXT,
    visit_id    TEXT,
    flags       TEXT,   -- JSON list of review::flag_key
    orders      TEXT,   -- review::ReviewOrder
    note        TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT    -- RFC 3339
) STRICT;
CREATE INDEX reviews_by_mother ON reviews (mother_id);
