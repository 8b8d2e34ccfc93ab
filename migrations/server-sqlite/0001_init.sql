-- Lohusa central server on SQLite, version 1. Same tables as the PostgreSQL schema.
--
-- `changes` is the append-only log of every accepted change, numbered per team in commit order
-- (`seq`); `entities` is the current state, merged per field, and says which team owns each
-- record. Tokens and enrollment codes are stored only as SHA-256 hashes. Times are Unix ms.

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE teams (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    head_seq INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES teams (id),
    token_hash  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    last_seen_ms INTEGER,
    revoked_ms  INTEGER
) STRICT;

CREATE TABLE enrollment_codes (
    code_hash  TEXT PRIMARY KEY,
    team_id    INTEGER NOT NULL REFERENCES teams (id),
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER,
    used_by    TEXT
) STRICT;

CREATE TABLE changes (
    team_id     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    entity_id   TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    body        TEXT NOT NULL,            -- the change as JSON, sent as is on pull
    PRIMARY KEY (team_id, seq)
) STRICT;

CREATE TABLE entities (
    entity_id TEXT PRIMARY KEY,
    team_id   INTEGER NOT NULL,
    entity    TEXT NOT NULL,
    state     TEXT NOT NULL               -- JSON: merge metadata, visible values, their writers
) STRICT;
