-- Latchkey org server schema v1. Every tenant table carries org_id and is guarded by
-- row-level security keyed on the transaction-local setting app.org_id; the server's
-- request path runs as latchkey_app (no BYPASSRLS, not the owner), so a query that
-- forgets its WHERE clause still cannot see another tenant's rows.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'latchkey_app') THEN
    CREATE ROLE latchkey_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END $$;
GRANT latchkey_app TO CURRENT_USER;

CREATE FUNCTION latchkey_current_org() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;

CREATE TABLE orgs (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  org_id uuid NOT NULL REFERENCES orgs(id),
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  UNIQUE (org_id, id)
);

CREATE TABLE devices (
  org_id uuid NOT NULL,
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  name text NOT NULL,
  public_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);

-- Only the SHA-256 of the code's secret part is kept; used_at makes it single-use.
CREATE TABLE enrol_codes (
  org_id uuid NOT NULL,
  code_hash text PRIMARY KEY,
  user_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);

-- Nonces seen inside the clock-skew window; older ones are purged (the timestamp
-- check already refuses those requests).
CREATE TABLE request_nonces (
  org_id uuid NOT NULL,
  device_id uuid NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
CREATE INDEX request_nonces_expiry ON request_nonces (expires_at);

-- One row per user: the change sequence; its row lock serialises a user's pushes so
-- seq values commit in order and a pull by cursor never skips a change.
CREATE TABLE sync_heads (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  head_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, user_id),
  FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);

CREATE TABLE sync_records (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  record_id text NOT NULL,
  version bigint NOT NULL,
  seq bigint NOT NULL,
  deleted boolean NOT NULL,
  ciphertext text NOT NULL,
  last_change_id text NOT NULL,
  PRIMARY KEY (org_id, user_id, record_id)
);
CREATE INDEX sync_records_by_seq ON sync_records (org_id, user_id, seq);

CREATE TABLE sync_manifests (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  seq bigint NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

-- Audit log of the org, in the order the server accepted records (log_index from 0).
CREATE TABLE audit_records (
  org_id uuid NOT NULL,
  log_index bigint NOT NULL,
  device_id uuid NOT NULL,
  seq bigint NOT NULL,
  record_hash text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, log_index),
  UNIQUE (org_id, device_id, seq)
);

CREATE TABLE audit_heads (
  org_id uuid PRIMARY KEY,
  size bigint NOT NULL DEFAULT 0
);

CREATE TABLE audit_checkpoints (
  org_id uuid NOT NULL,
  tree_size bigint NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, tree_size)
);

-- The server's checkpoint-signing key: owner-only, no grant to latchkey_app.
CREATE TABLE server_keys (
  id int PRIMARY KEY CHECK (id = 1),
  secret_key text NOT NULL,
  public_key text NOT NULL
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users','devices','enrol_codes','request_nonces','sync_heads',
                           'sync_records','sync_manifests','audit_records','audit_heads','audit_checkpoints']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO latchkey_app', t);
  END LOOP;
END $$;

-- Not FORCEd: the owner lists orgs for periodic jobs (checkpoints, nonce purge).
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON orgs USING (id = latchkey_current_org());
GRANT SELECT ON orgs TO latchkey_app;
GRANT EXECUTE ON FUNCTION latchkey_current_org() TO latchkey_app;
