-- The life of a case: the nurse a mother is assigned to (a member id), and a closed case's day
-- and reason (both empty while her care goes on). Fields of the mother's record like any other.
ALTER TABLE mothers ADD COLUMN assigned_to TEXT;
ALTER TABLE mothers ADD COLUMN closed_on TEXT;
ALTER TABLE mothers ADD COLUMN closed_reason TEXT;
