-- Each device's last report after a successful sync, for the team lead's tablets view.
ALTER TABLE devices ADD COLUMN reported_ms INTEGER;
ALTER TABLE devices ADD COLUMN report TEXT;  -- JSON DeviceReport
