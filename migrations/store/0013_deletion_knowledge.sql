-- The visits a deleting device held when it deleted a mother (a JSON list of visit ids): a visit
-- it had not seen (recorded elsewhere before or after) brings her back on every device.
ALTER TABLE mothers ADD COLUMN deleted_seen_visits TEXT;
