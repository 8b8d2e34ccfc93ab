-- Members, their roles and the devices they signed in on; the audit of reads.
--
-- A member is added by the admin or team lead with a role. A one-time member code (stored as a
-- SHA-256 hash) binds her to a device; her id is fixed by the first device she claims it on (it
-- keeps the id that device already writes under), so `id` is empty until then. A change is
-- accepted only from an author bound to the device that wrote it, and only if her role may write
-- it. `reads` keeps, per pull, which device and member received which part of the team's log.

CREATE TABLE members (
    num        INTEGER PRIMARY KEY,
    id         TEXT UNIQUE,
    team_id    INTEGER NOT NULL REFERENCES teams (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
) STRICT;

CREATE TABLE member_codes (
    code_hash  TEXT PRIMARY KEY,
    member_num INTEGER NOT NULL REFERENCES members (num),
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER,
    used_by    TEXT
) STRICT;

CREATE TABLE device_members (
    device_id  TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    claimed_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, member_id)
) STRICT;
CREATE INDEX device_members_by_member ON device_members (member_id);

CREATE TABLE reads (
    team_id   INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    member_id TEXT,                -- the member signed in on the device, as it said
    roles     TEXT NOT NULL,       -- the roles the pull was filtered for, comma-separated
    after_seq INTEGER NOT NULL,    -- the pull returned the team's changes after_seq < seq <= up_to_seq
    up_to_seq INTEGER NOT NULL,
    at_ms     INTEGER NOT NULL
) STRICT;
CREATE INDEX reads_by_team ON reads (team_id, up_to_seq);
