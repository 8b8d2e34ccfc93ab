-- Lohusa local store, version 17: the schedule reads (the Today list, the follow-up list) find a
-- mother's visits and everything they need in this index alone. The index of version 9 was
-- partial (extra visits left out), which made SQLite read every visit's row to check that.
DROP INDEX visits_by_mother;
CREATE INDEX visits_by_mother ON visits (mother_id, extra_visit_id, number, outcome, visited_on);
