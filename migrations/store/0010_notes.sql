-- Lohusa local store, version 10: notes of the psychologist and of the social care specialist.
-- A device holds only the notes its members' roles may read (the server filters what it sends).

CREATE TABLE psychology_notes (
    id         TEXT PRIMARY KEY,
    mother_id  TEXT,
    written_on TEXT,
    text       TEXT,
    written_by TEXT
) STRICT;
CREATE INDEX psychology_notes_by_mother ON psychology_notes (mother_id);

CREATE TABLE social_notes (
    id         TEXT PRIMARY KEY,
    mother_id  TEXT,
    written_on TEXT,
    text       TEXT,
    written_by TEXT
) STRICT;
CREATE INDEX social_notes_by_mother ON social_notes (mother_id);
