-- Admin API (docs/admin-api.md). Admins are server-wide operators, not tenants: these
-- tables are owner-only (no grant to latchkey_app), so no device request can read or
-- write them whatever its SQL.

CREATE TABLE admins (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  public_key text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Nonces of admin requests inside the clock-skew window (as request_nonces for devices).
CREATE TABLE admin_nonces (
  admin_id uuid NOT NULL REFERENCES admins(id),
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (admin_id, nonce)
);
CREATE INDEX admin_nonces_expiry ON admin_nonces (expires_at);

-- Every admin action, done or refused, over the API (admin_id set) or on the server
-- host against the database (admin_id null). Written in the action's own transaction.
CREATE TABLE admin_actions (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  admin_id uuid REFERENCES admins(id),
  action text NOT NULL,
  org_id uuid,
  target text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'refused')),
  reason text
);
