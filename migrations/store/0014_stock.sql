-- Lohusa local store, version 14: the care-package stock ledger. Each row is one movement
-- (prepared, handed to a nurse, returned, lost); balances are derived from them and from the
-- visits' "packages given", never stored.

CREATE TABLE stock_movements (
    id       TEXT PRIMARY KEY,
    movement TEXT,
    kind     TEXT,
    count    INTEGER,
    moved_on TEXT,
    member   TEXT,
    lot      TEXT,
    contents TEXT
) STRICT;
