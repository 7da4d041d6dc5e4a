-- Enterprise identity (docs/identity.md): OIDC enrolment and SCIM 2.0 provisioning.
--
-- A person's userName is the identity both paths agree on: SCIM creates a person under
-- it, and OIDC enrolment binds a device to the person whose user_name is the ID
-- token's e-mail. Compared case-insensitively (RFC 7643 §4.1.1: userName is not
-- caseExact), so it is stored with its lower-case form beside it for the unique index.
ALTER TABLE users ADD COLUMN user_name text;
ALTER TABLE users ADD COLUMN user_name_key text;
ALTER TABLE users ADD COLUMN external_id text;
-- The SCIM representation's other stored attributes (displayName, name, emails), as JSON.
ALTER TABLE users ADD COLUMN scim_attrs text;
ALTER TABLE users ADD COLUMN scim_managed boolean NOT NULL DEFAULT false;
-- ETag of the SCIM resource (meta.version W/"n"), bumped by every SCIM change.
ALTER TABLE users ADD COLUMN scim_version bigint NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- Set by SCIM active=false or DELETE; every device of the person is refused from its
-- next request ('access_disabled'). Cleared by active=true. Independent of revoked_at
-- (an admin's revocation), which SCIM never clears.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
-- Set by SCIM DELETE: the resource is gone for SCIM (404), the row stays for the audit log.
ALTER TABLE users ADD COLUMN scim_deleted_at timestamptz;
CREATE UNIQUE INDEX users_user_name ON users (org_id, user_name_key) WHERE scim_deleted_at IS NULL;

-- The IdP account (issuer, sub) the person's first OIDC enrolment came from. A later
-- sign-in with the same e-mail but another account of that IdP is refused: an IdP that
-- hands a departed person's address to someone else does not hand over their vault.
ALTER TABLE users ADD COLUMN oidc_issuer text;
ALTER TABLE users ADD COLUMN oidc_subject text;

-- How a device was enrolled (one-time code or OIDC), shown to admins.
ALTER TABLE devices ADD COLUMN enrolled_via text NOT NULL DEFAULT 'code';

-- The org's OIDC configuration, set by an admin (docs/admin-api.md §3).
CREATE TABLE org_oidc (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  issuer text NOT NULL,
  client_id text NOT NULL,
  -- JSON arrays of strings.
  allowed_domains text NOT NULL,
  allowed_groups text NOT NULL,
  groups_claim text NOT NULL,
  create_people boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per OIDC enrolment attempt: the nonce the app must have the IdP put in the
-- ID token, bound to the device key that asked for it. Only its SHA-256 is kept;
-- used_at makes it single-use (set in the UPDATE that checks it).
CREATE TABLE oidc_attempts (
  org_id uuid NOT NULL,
  id uuid PRIMARY KEY,
  nonce_hash text NOT NULL,
  public_key text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX oidc_attempts_expiry ON oidc_attempts (expires_at);

-- The org's SCIM bearer token: the SHA-256 of its secret part (32 random bytes).
CREATE TABLE scim_tokens (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['org_oidc','oidc_attempts','scim_tokens']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO latchkey_app', t);
  END LOOP;
END $$;
