-- Lohusa local store, version 1.
--
-- State tables hold the current value of every field; `changes` is the append-only log of every
-- write, filled in the same transaction. State tables carry no foreign keys on purpose: changes
-- from other replicas may arrive in any order, and the log, not the constraint, is the truth.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE changes (
    seq            INTEGER PRIMARY KEY,   -- local order; the upload position counts these
    id             TEXT NOT NULL UNIQUE,  -- UUIDv7
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    fields         TEXT NOT NULL,         -- JSON object: field -> new value
    hlc            TEXT NOT NULL,
    author         TEXT NOT NULL,
    device         TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    origin         TEXT NOT NULL CHECK (origin IN ('local', 'remote'))
) STRICT;
CREATE INDEX changes_by_entity ON changes (entity, entity_id);

CREATE TABLE mothers (
    id                 TEXT PRIMARY KEY,
    full_name          TEXT,
    name_folded        TEXT,              -- fold_for_search(full_name), for search
    date_of_birth      TEXT,
    age_years          INTEGER,
    phone              TEXT,
    street             TEXT,
    neighbourhood      TEXT,
    district           TEXT,
    residency_status   TEXT,
    nationality        TEXT,
    id_number          TEXT,
    preferred_language TEXT,
    interpreter_needed INTEGER,
    registered_on      TEXT
) STRICT;
CREATE INDEX mothers_by_name ON mothers (name_folded);

CREATE TABLE births (
    id                TEXT PRIMARY KEY,
    mother_id         TEXT,
    birth_date        TEXT,
    discharge_date    TEXT,
    mode              TEXT,
    gestational_weeks INTEGER
) STRICT;
-- Covers the Today list's lookup of a mother's birth date.
CREATE INDEX births_by_mother ON births (mother_id, birth_date);

CREATE TABLE babies (
    id             TEXT PRIMARY KEY,
    mother_id      TEXT,
    birth_id       TEXT,
    ordinal        INTEGER,
    name           TEXT,
    sex            TEXT,
    birth_weight_g INTEGER
) STRICT;
CREATE INDEX babies_by_mother ON babies (mother_id);
CREATE INDEX babies_by_birth ON babies (birth_id, ordinal);

CREATE TABLE visits (
    id                TEXT PRIMARY KEY,
    mother_id         TEXT,
    number            INTEGER,
    outcome           TEXT,
    visited_on        TEXT,
    visited_at        TEXT,
    visited_by        TEXT,
    note              TEXT,
    checklist_version INTEGER
) STRICT;
-- Covers the Today list's lookup of a mother's visits and their outcomes.
CREATE INDEX visits_by_mother ON visits (mother_id, number, outcome, visited_on);

-- One row per checklist answer, so answers to different questions merge independently.
CREATE TABLE visit_answers (
    visit_id TEXT NOT NULL,
    key      TEXT NOT NULL,               -- checklist::answer_key
    value    ANY,
    PRIMARY KEY (visit_id, key)
) STRICT, WITHOUT ROWID;
