-- Lohusa local store, version 18: what the Today and follow-up lists read of a mother (her name,
-- place, nationality, case, and the fields that make her record whole) in one covering index,
-- looked up by id: the lists read it for the mothers they show, never the wide rows of every
-- mother, which a large store no longer keeps in memory.
CREATE INDEX mothers_listed ON mothers (
    id, deleted, full_name, neighbourhood, nationality, assigned_to, closed_on, closed_reason,
    preferred_language, interpreter_needed, registered_on
);
