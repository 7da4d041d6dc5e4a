/**
 * The org's OIDC configuration (docs/identity.md §2): which IdP (issuer), which client
 * (the ID token's audience), and who may enrol (e-mail domains, groups). Set by an
 * admin; read by the enrolment routes under the org's RLS scope.
 */
import { LatchkeyError } from '../../shared/errors';
import type { OidcConfig, OidcConfigInput } from '../../shared/contracts/identity';
import { parseStrictJson } from '../../shared/encoding/strict-json';
import { SET_TENANT_SQL, type SqlClient } from '../db/db';

export const DEFAULT_GROUPS_CLAIM = 'groups';

interface Row {
  issuer: string;
  client_id: string;
  allowed_domains: string;
  allowed_groups: string;
  groups_claim: string;
  create_people: boolean;
  updated_at: unknown;
}

const strings = (text: string): string[] => {
  const v = parseStrictJson(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

/** In an admin (owner) transaction: scopes to the org, refusing an unknown one, and replaces the configuration. */
export async function setOidcConfigIn(sql: SqlClient, orgId: string, c: OidcConfigInput): Promise<OidcConfig> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  if ((await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId])).length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
  await sql.query(
    `INSERT INTO org_oidc (org_id, issuer, client_id, allowed_domains, allowed_groups, groups_claim, create_people, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (org_id) DO UPDATE SET issuer = $2, client_id = $3, allowed_domains = $4, allowed_groups = $5, groups_claim = $6, create_people = $7, updated_at = now()`,
    [
      orgId,
      c.issuer,
      c.clientId,
      JSON.stringify([...new Set(c.allowedDomains)]),
      JSON.stringify([...new Set(c.allowedGroups)]),
      c.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
      c.createPeople ?? false,
    ],
  );
  const out = await readOidcConfig(sql, orgId);
  if (!out) throw new LatchkeyError('internal', 'The configuration was not stored.');
  return out;
}

/** Under the org's scope (tenant or owner with app.org_id set); null when the org has none. */
export async function readOidcConfig(sql: SqlClient, orgId: string): Promise<OidcConfig | null> {
  const rows = await sql.query<Row>('SELECT issuer, client_id, allowed_domains, allowed_groups, groups_claim, create_people, updated_at FROM org_oidc WHERE org_id = $1', [orgId]);
  const r = rows[0];
  if (!r) return null;
  return {
    issuer: r.issuer,
    clientId: r.client_id,
    allowedDomains: strings(r.allowed_domains),
    allowedGroups: strings(r.allowed_groups),
    groupsClaim: r.groups_claim,
    createPeople: r.create_people,
    updatedAt: new Date(r.updated_at as string).toISOString(),
  };
}

export async function getOidcConfigIn(sql: SqlClient, orgId: string): Promise<OidcConfig> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  if ((await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId])).length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
  const c = await readOidcConfig(sql, orgId);
  if (!c) throw new LatchkeyError('not_found', 'This organisation has no OIDC configuration yet (latchkey server oidc-config).');
  return c;
}

/** Removes it: OIDC enrolment is refused from then on; enrolled devices stay. */
export async function deleteOidcConfigIn(sql: SqlClient, orgId: string): Promise<void> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  const rows = await sql.query('DELETE FROM org_oidc WHERE org_id = $1 RETURNING org_id', [orgId]);
  if (rows.length === 0) throw new LatchkeyError('not_found', 'This organisation has no OIDC configuration.');
}
