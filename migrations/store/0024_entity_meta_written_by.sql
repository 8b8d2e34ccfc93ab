-- Lohusa local store, version 24: a record received whole in one change that replaced nothing,
-- and merged with nothing since, keeps as its merge metadata only that change's place in the
-- log (`written_by`, the change's `seq`) and its version (`meta`, as JSON): every field of the
-- record is that change's, with that version. A new tablet receives most of its team that way,
-- and the full metadata would name each of a visit's answers a third time (after the change log
-- and the visit's row). The first later merge writes the full metadata and clears `written_by`.
ALTER TABLE entity_meta ADD COLUMN written_by INTEGER;
