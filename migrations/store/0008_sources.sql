-- Lohusa local store, version 8: where a mother's fields came from (a referral file, a merge of a
-- suspected duplicate), as JSON text: field -> source. It syncs like any field.

ALTER TABLE mothers ADD COLUMN sources TEXT;
