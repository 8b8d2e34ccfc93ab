-- Lohusa local store, version 23: the index a mother's visits are found by also holds who
-- recorded each (and the visit's id, the follow-up list's last tie-break), so the schedule
-- cache's rebuild and the follow-up list's nurse read the index alone. Since version 22 a
-- visit's row holds its answers, and reading it for one name read a kilobyte or more.
DROP INDEX visits_by_mother;
CREATE INDEX visits_by_mother ON visits (mother_id, extra_visit_id, number, outcome, visited_on, visited_by, id);
