-- Lohusa local store, version 20: each recorded visit in `schedules.recorded` also says who
-- recorded it (`number outcome date name`, the name when the visit has one), so the coverage
-- table, which counts visits per nurse, reads the month's mothers in one range scan of the
-- schedule cache as the Today list does. A name may hold a comma: visits are now separated by
-- the record separator (char 30). Every row is rebuilt in the new form.
DELETE FROM schedules;
INSERT OR IGNORE INTO schedules_stale (mother_id) SELECT id FROM mothers;
