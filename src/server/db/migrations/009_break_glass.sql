-- Break-glass recovery (docs/break-glass.md). Rows exist only for an org whose admins
-- ran the ceremony; without one, recovery is refused. Owner-only (no grant to
-- latchkey_app): only the admin API reads or writes them. Tenant-scoped by RLS like
-- every org table, so an admin route scoped to one org cannot touch another's.

-- The org recovery PUBLIC key and how its private key was split. The private key is
-- never here: it exists only as the admins' shares.
CREATE TABLE break_glass_keys (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  key_id text NOT NULL,
  public_key text NOT NULL,
  threshold int NOT NULL CHECK (threshold >= 2),
  admins text NOT NULL,           -- JSON array of the admin names holding a share
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES admins(id)
);

-- Every recovery done: whose vault, which new slot, whose shares were combined.
CREATE TABLE break_glass_recoveries (
  id bigserial PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL,
  key_id text NOT NULL,
  slot_id text NOT NULL,
  admins text NOT NULL,           -- JSON array of the admin names whose shares were used
  admin_id uuid REFERENCES admins(id),
  at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);

ALTER TABLE break_glass_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON break_glass_keys USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org());
ALTER TABLE break_glass_recoveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass_recoveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON break_glass_recoveries USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org());
