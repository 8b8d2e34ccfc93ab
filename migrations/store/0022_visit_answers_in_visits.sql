-- Lohusa local store, version 22: a visit's answers are one value of its row, not a row each.
--
-- `visits.answers` is a JSON object of answer key → value, each value as the state tables hold
-- it (text, whole number or real; yes/no as 1/0; a list as its JSON text). Merging stays per
-- answer (`entity_meta` keeps a version for each `answers.<key>`); only the place the visible
-- values are kept changes. A visit received with every answer asked is one row written instead
-- of forty (about a third of what a new tablet joining a district waited for), and reading a
-- mother's visits for her flags is one row per visit.
ALTER TABLE visits ADD COLUMN answers TEXT;

-- Answers always arrive with their visit's row; should one not have, it gets one (no value lost).
INSERT INTO visits (id) SELECT DISTINCT visit_id FROM visit_answers WHERE visit_id NOT IN (SELECT id FROM visits);

-- A real is written with 17 significant digits (SQLite's JSON writes 15), so the store's exact
-- reader gets the same number back for every value a form or the server takes; SQLite's
-- printing can be one unit in the last place off only far outside them (beyond about 1e100,
-- under about 1e-50), and it writes -0.0 as 0. What was read as empty stays empty: an
-- infinite real or a blob (the store writes neither; a damaged file might hold one) is null.
UPDATE visits
SET answers = (
    SELECT json_group_object(
        a.key,
        CASE typeof(a.value)
            WHEN 'real' THEN
                CASE WHEN a.value - a.value = 0 THEN json(printf('%!.17g', a.value)) END
            WHEN 'blob' THEN NULL
            ELSE a.value
        END)
    FROM visit_answers a WHERE a.visit_id = visits.id)
WHERE id IN (SELECT visit_id FROM visit_answers);

DROP TABLE visit_answers;
