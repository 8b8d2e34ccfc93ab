-- Corrections: why a recorded visit was changed. The reason is a field of the visit written in
-- the same change as the answers it explains, so the change log pairs each old and new value
-- with its reason; this column holds the latest, like any other field.
ALTER TABLE visits ADD COLUMN correction_reason TEXT;
