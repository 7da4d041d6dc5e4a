/**
 * Admin operations (run by `latchkey server …` on the server host, not over HTTP):
 * create orgs and people, issue one-time enrolment codes, revoke devices and people.
 * Each runs as the owner with app.org_id set to the org it touches, so the same
 * row-level security policies hold.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import { toBase64url, utf8ToBytes } from '../../core/crypto/bytes';
import type { Database } from '../db/db';

export const ENROL_CODE_TTL_MS = 24 * 3600_000;

/** SHA-256 of the code's secret part, hex. The secret is 24 random bytes, so no KDF is needed. */
export function hashEnrolSecret(secret: string): string {
  return bytesToHex(sha256(utf8ToBytes(secret)));
}

export async function createOrg(db: Database, name: string): Promise<{ orgId: string }> {
  const orgId = randomUUID();
  await db.asOwner((sql) => sql.query('INSERT INTO orgs (id, name) VALUES ($1, $2)', [orgId, name]), orgId);
  return { orgId };
}

export async function createUser(db: Database, orgId: string, name: string): Promise<{ userId: string }> {
  const userId = randomUUID();
  await db.asOwner(async (sql) => {
    const org = await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId]);
    if (org.length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
    await sql.query('INSERT INTO users (org_id, id, name) VALUES ($1, $2, $3)', [orgId, userId, name]);
    await sql.query('INSERT INTO sync_heads (org_id, user_id) VALUES ($1, $2)', [orgId, userId]);
  }, orgId);
  return { userId };
}

/** Issues a one-time code `<orgId>.<secret>`; only the secret's hash is stored. */
export async function issueEnrolCode(db: Database, orgId: string, userId: string, ttlMs = ENROL_CODE_TTL_MS): Promise<{ code: string; expiresAt: Date }> {
  const secret = toBase64url(randomBytes(24));
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.asOwner(async (sql) => {
    const u = await sql.query('SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, userId]);
    if (u.length === 0) throw new LatchkeyError('not_found', 'No such active person in that organisation.');
    await sql.query('INSERT INTO enrol_codes (org_id, code_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)', [orgId, hashEnrolSecret(secret), userId, expiresAt.toISOString()]);
  }, orgId);
  return { code: `${orgId}.${secret}`, expiresAt };
}

export async function revokeDevice(db: Database, orgId: string, deviceId: string): Promise<void> {
  const rows = await db.asOwner(
    (sql) => sql.query('UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, deviceId]),
    orgId,
  );
  if (rows.length === 0) throw new LatchkeyError('not_found', 'No such device in that organisation.');
}

/** Revokes a person: every device of theirs is refused from its next request on. */
export async function revokeUser(db: Database, orgId: string, userId: string): Promise<void> {
  const rows = await db.asOwner((sql) => sql.query('UPDATE users SET revoked_at = coalesce(revoked_at, now()) WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, userId]), orgId);
  if (rows.length === 0) throw new LatchkeyError('not_found', 'No such person in that organisation.');
}

export async function listDevices(db: Database, orgId: string): Promise<{ deviceId: string; userId: string; name: string; revoked: boolean }[]> {
  const rows = await db.asOwner(
    (sql) =>
      sql.query<{ id: string; user_id: string; name: string; revoked_at: unknown }>('SELECT id, user_id, name, revoked_at FROM devices WHERE org_id = $1 ORDER BY created_at', [
        orgId,
      ]),
    orgId,
  );
  return rows.map((r) => ({ deviceId: r.id, userId: r.user_id, name: r.name, revoked: r.revoked_at !== null }));
}
