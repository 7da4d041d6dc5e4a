-- What the org's IdP changed over SCIM (docs/identity.md §4.7), for its admins to read.
--
-- SCIM requests run as latchkey_app under the token's org (RLS), and admin_actions is
-- owner-only and server-wide, so SCIM cannot write there. Instead this tenant table is
-- append-only for the request path: latchkey_app may INSERT, and nothing else (no
-- SELECT, UPDATE, DELETE), so a SCIM request can add its org's events but never read,
-- rewrite or remove any; the RLS WITH CHECK pins org_id to the token's org, so no
-- request writes an event into another org. Each row is written in the transaction of
-- the change it describes: a change that commits is always recorded, a refused or
-- rolled-back one leaves no row. Only the admin API (owner, scoped to one org) reads it.
-- Never a token or a secret: who (the person), what (which attributes), when.
CREATE TABLE scim_events (
  id bigserial PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL CHECK (action IN ('create', 'adopt', 'update', 'deactivate', 'reactivate', 'delete')),
  user_id uuid NOT NULL,
  -- The person's userName after the change (before it, for a delete).
  user_name text NOT NULL,
  -- JSON array of the SCIM attribute names the change set or altered, sorted.
  changed text NOT NULL,
  FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);
CREATE INDEX scim_events_by_org ON scim_events (org_id, id);

ALTER TABLE scim_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE scim_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON scim_events USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org());
GRANT INSERT ON scim_events TO latchkey_app;
GRANT USAGE ON SEQUENCE scim_events_id_seq TO latchkey_app;
