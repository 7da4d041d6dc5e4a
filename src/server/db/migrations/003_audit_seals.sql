-- Audit format v3: the devices' seals (signed chain heads), each stored beside the
-- record it ends on (log_index of that record), so an export places it right after.
CREATE TABLE audit_seals (
  org_id uuid NOT NULL,
  device_id uuid NOT NULL,
  seq bigint NOT NULL,
  log_index bigint NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, device_id, seq)
);
CREATE INDEX audit_seals_log_index ON audit_seals (org_id, log_index);

ALTER TABLE audit_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_seals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audit_seals USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_seals TO latchkey_app;
