-- Lohusa local store, version 4: screening texts the deploying organisation loads under its
-- licence (the EPDS), one per instrument and language. Local to the device, never synced.

CREATE TABLE screening_texts (
    instrument   TEXT NOT NULL,
    language     TEXT NOT NULL,
    content      TEXT NOT NULL,   -- the content file as loaded (instrument::InstrumentText)
    installed_at TEXT NOT NULL,
    PRIMARY KEY (instrument, language)
) STRICT;
