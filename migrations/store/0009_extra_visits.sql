-- Lohusa local store, version 9: extra home visits planned outside the three windows
-- (extra::ExtraVisitRecord); the visit made for one points at it and never decides a window.

CREATE TABLE extra_visits (
    id         TEXT PRIMARY KEY,
    mother_id  TEXT,
    due_on     TEXT,
    reason     TEXT,
    ordered_by TEXT,
    ordered_at TEXT,   -- RFC 3339
    review_id  TEXT
) STRICT;
CREATE INDEX extra_visits_by_mother ON extra_visits (mother_id);

ALTER TABLE visits ADD COLUMN extra_visit_id TEXT;
-- The window schedule reads only the windows' own visits, still from an index alone.
DROP INDEX visits_by_mother;
CREATE INDEX visits_by_mother ON visits (mother_id, number, outcome, visited_on) WHERE extra_visit_id IS NULL;
CREATE INDEX visits_by_extra ON visits (extra_visit_id) WHERE extra_visit_id IS NOT NULL;
-- A mother's visits of every kind (her screen, her flags, who visited her last).
CREATE INDEX visits_of_mother ON visits (mother_id, number, visited_on);
