-- Lohusa central server on PostgreSQL, version 1. Same tables as the SQLite schema.
--
-- Sequence numbers are not a PostgreSQL SEQUENCE: a push locks its team's row, numbers its
-- changes from `teams.head_seq` and commits, so changes of one team commit in number order and a
-- pull after cursor N can never miss a lower number that commits later.

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    id       BIGSERIAL PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    head_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    enrolled_ms  BIGINT NOT NULL,
    last_seen_ms BIGINT,
    revoked_ms   BIGINT
);

CREATE TABLE enrollment_codes (
    code_hash  TEXT PRIMARY KEY,
    team_id    BIGINT NOT NULL REFERENCES teams (id),
    expires_ms BIGINT NOT NULL,
    used_ms    BIGINT,
    used_by    TEXT
);

CREATE TABLE changes (
    team_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    entity_id   TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (team_id, seq)
);

CREATE TABLE entities (
    entity_id TEXT PRIMARY KEY,
    team_id   BIGINT NOT NULL,
    entity    TEXT NOT NULL,
    state     TEXT NOT NULL
);
