/**
 * The org's SCIM bearer token (docs/identity.md §4.1): `<orgId>.<secret>`, the secret
 * 32 random bytes. Only SHA-256(secret) is stored (no KDF needed at that entropy); the
 * lookup runs under the named org's RLS scope and compares hashes in constant time, so
 * a token of org A can only ever authenticate as org A. One token per org: creating
 * one replaces (rotates) the old, which stops working at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '../../../shared/errors';
import { SET_TENANT_SQL, type Database, type SqlClient } from '../../db/db';
import { ScimError } from './errors';

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const TOKEN = /^Bearer ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** In an admin (owner) transaction; refuses an unknown org. The token is shown once. */
export async function rotateScimTokenIn(sql: SqlClient, orgId: string): Promise<{ token: string; createdAt: string }> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  if ((await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId])).length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
  const secret = randomBytes(32).toString('base64url');
  const rows = await sql.query<{ created_at: unknown }>(
    `INSERT INTO scim_tokens (org_id, token_hash, created_at) VALUES ($1, $2, now())
     ON CONFLICT (org_id) DO UPDATE SET token_hash = $2, created_at = now() RETURNING created_at`,
    [orgId, sha256(secret).toString('hex')],
  );
  return { token: `${orgId}.${secret}`, createdAt: new Date(rows[0]!.created_at as string).toISOString() };
}

export async function revokeScimTokenIn(sql: SqlClient, orgId: string): Promise<void> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  const rows = await sql.query('DELETE FROM scim_tokens WHERE org_id = $1 RETURNING org_id', [orgId]);
  if (rows.length === 0) throw new LatchkeyError('not_found', 'This organisation has no SCIM token.');
}

const UNAUTHORIZED = new ScimError(401, 'Authenticate with the SCIM bearer token of this organisation (latchkey server scim-token).');

/** The org the `Authorization` header's token belongs to; a 401 SCIM error otherwise (one answer for every failure). */
export async function authenticateScim(db: Database, authorization: string | undefined): Promise<string> {
  const m = typeof authorization === 'string' ? TOKEN.exec(authorization) : null;
  if (!m) throw UNAUTHORIZED;
  const [, orgId, secret] = m as unknown as [string, string, string];
  const rows = await db.asTenant(orgId, (sql) => sql.query<{ token_hash: string }>('SELECT token_hash FROM scim_tokens WHERE org_id = $1', [orgId]));
  const presented = sha256(secret);
  // Compared even when there is no token, against a fixed value, so timing says nothing.
  const stored = rows[0] ? Buffer.from(rows[0].token_hash, 'hex') : Buffer.alloc(32);
  const ok = timingSafeEqual(presented, stored.length === 32 ? stored : Buffer.alloc(32)) && rows.length === 1;
  if (!ok) throw UNAUTHORIZED;
  return orgId;
}
