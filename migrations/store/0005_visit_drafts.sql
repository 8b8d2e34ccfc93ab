-- Lohusa local store, version 5: a visit form not yet saved, kept as the nurse types, so an app
-- sent to the background, a turned screen or a visit interrupted loses nothing. Local to the
-- device and never synced: a draft is not a record until it is saved.

CREATE TABLE visit_drafts (
    mother_id TEXT    NOT NULL,
    number    INTEGER NOT NULL,
    content   TEXT    NOT NULL,   -- the visit form as typed (visit::VisitInput, JSON)
    saved_at  TEXT    NOT NULL,
    PRIMARY KEY (mother_id, number)
) STRICT;
