-- Lohusa local store, version 2: what sync and the per-field merge need.
--
-- `entity_meta` holds, per entity, the version of each field's visible value and the concurrent
-- values kept for review (lohusa_core::merge::EntityMeta as JSON). `quarantine` holds local
-- changes the server refused, with its reason: they stay in the log and out of the upload queue.

ALTER TABLE changes ADD COLUMN base TEXT;  -- JSON object field -> replaced versions, or NULL

CREATE TABLE entity_meta (
    entity_id TEXT PRIMARY KEY,
    entity    TEXT NOT NULL,
    meta      TEXT NOT NULL,
    has_heads INTEGER NOT NULL DEFAULT 0   -- 1 when some field has concurrent values
) STRICT, WITHOUT ROWID;
CREATE INDEX entity_meta_with_heads ON entity_meta (has_heads) WHERE has_heads = 1;

CREATE TABLE quarantine (
    change_id TEXT PRIMARY KEY,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
