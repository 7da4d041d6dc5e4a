/**
 * Admin operations: create orgs and people, issue one-time enrolment codes, list and
 * revoke devices and people, manage admin keys. Each `…In` function runs inside the
 * caller's owner transaction (the admin API's, ./routes.ts) and first sets app.org_id
 * to the org it touches, so the same row-level security policies hold. The db-level
 * wrappers are what `latchkey server … --data-dir/DATABASE_URL` runs on the server
 * host; they record the action too (admin null), so no admin action goes unrecorded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import { toBase64url, utf8ToBytes } from '../../core/crypto/bytes';
import { SET_TENANT_SQL, type Database, type SqlClient } from '../db/db';
import { recordAdminAction } from './actions';

export const ENROL_CODE_TTL_MS = 24 * 3600_000;

/** SHA-256 of the code's secret part, hex. The secret is 24 random bytes, so no KDF is needed. */
export function hashEnrolSecret(secret: string): string {
  return bytesToHex(sha256(utf8ToBytes(secret)));
}

const iso = (v: unknown): string => new Date(v as string | Date).toISOString();

async function scope(sql: SqlClient, orgId: string): Promise<void> {
  await sql.query(SET_TENANT_SQL, [orgId]);
}

async function requireOrg(sql: SqlClient, orgId: string): Promise<void> {
  await scope(sql, orgId);
  const org = await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId]);
  if (org.length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
}

export async function createOrgIn(sql: SqlClient, name: string): Promise<{ orgId: string }> {
  const orgId = randomUUID();
  await scope(sql, orgId);
  await sql.query('INSERT INTO orgs (id, name) VALUES ($1, $2)', [orgId, name]);
  return { orgId };
}

export async function listOrgsIn(sql: SqlClient): Promise<{ orgId: string; name: string; createdAt: string }[]> {
  const rows = await sql.query<{ id: string; name: string; created_at: unknown }>('SELECT id, name, created_at FROM orgs ORDER BY created_at, id');
  return rows.map((r) => ({ orgId: r.id, name: r.name, createdAt: iso(r.created_at) }));
}

export async function createUserIn(sql: SqlClient, orgId: string, name: string): Promise<{ userId: string }> {
  await requireOrg(sql, orgId);
  const userId = randomUUID();
  await sql.query('INSERT INTO users (org_id, id, name) VALUES ($1, $2, $3)', [orgId, userId, name]);
  await sql.query('INSERT INTO sync_heads (org_id, user_id) VALUES ($1, $2)', [orgId, userId]);
  return { userId };
}

export async function listUsersIn(sql: SqlClient, orgId: string): Promise<{ userId: string; name: string; createdAt: string; revoked: boolean }[]> {
  await requireOrg(sql, orgId);
  const rows = await sql.query<{ id: string; name: string; created_at: unknown; revoked_at: unknown }>(
    'SELECT id, name, created_at, revoked_at FROM users WHERE org_id = $1 ORDER BY created_at, id',
    [orgId],
  );
  return rows.map((r) => ({ userId: r.id, name: r.name, createdAt: iso(r.created_at), revoked: r.revoked_at !== null }));
}

/** Issues a one-time code `<orgId>.<secret>`; only the secret's hash is stored. */
export async function issueEnrolCodeIn(sql: SqlClient, orgId: string, userId: string, ttlMs = ENROL_CODE_TTL_MS): Promise<{ code: string; expiresAt: Date }> {
  await scope(sql, orgId);
  const secret = toBase64url(randomBytes(24));
  const expiresAt = new Date(Date.now() + ttlMs);
  const u = await sql.query('SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, userId]);
  if (u.length === 0) throw new LatchkeyError('not_found', 'No such active person in that organisation.');
  await sql.query('INSERT INTO enrol_codes (org_id, code_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)', [orgId, hashEnrolSecret(secret), userId, expiresAt.toISOString()]);
  return { code: `${orgId}.${secret}`, expiresAt };
}

export async function revokeDeviceIn(sql: SqlClient, orgId: string, deviceId: string): Promise<void> {
  await scope(sql, orgId);
  // The first revocation stands: revoking again changes neither its time nor who did it.
  const rows = await sql.query(
    "UPDATE devices SET revoked_by = CASE WHEN revoked_at IS NULL THEN 'admin' ELSE revoked_by END, revoked_at = coalesce(revoked_at, now()) WHERE org_id = $1 AND id = $2 RETURNING id",
    [orgId, deviceId],
  );
  if (rows.length === 0) throw new LatchkeyError('not_found', 'No such device in that organisation.');
}

/** Revokes a person: every device of theirs is refused from its next request on. */
export async function revokeUserIn(sql: SqlClient, orgId: string, userId: string): Promise<void> {
  await scope(sql, orgId);
  const rows = await sql.query('UPDATE users SET revoked_at = coalesce(revoked_at, now()) WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, userId]);
  if (rows.length === 0) throw new LatchkeyError('not_found', 'No such person in that organisation.');
}

export interface AdminDeviceRow {
  deviceId: string;
  userId: string;
  name: string;
  createdAt: string;
  revoked: boolean;
  /** Migration 008: the last authenticated request (to the minute), how it enrolled, who revoked it. */
  lastSeenAt: string | null;
  enrolledVia: 'code' | 'oidc';
  revokedAt: string | null;
  revokedBy: 'person' | 'admin' | null;
}

export async function listDevicesIn(sql: SqlClient, orgId: string): Promise<AdminDeviceRow[]> {
  await requireOrg(sql, orgId);
  const rows = await sql.query<{
    id: string;
    user_id: string;
    name: string;
    created_at: unknown;
    revoked_at: unknown;
    last_seen_at: unknown;
    enrolled_via: string;
    revoked_by: string | null;
  }>('SELECT id, user_id, name, created_at, revoked_at, last_seen_at, enrolled_via, revoked_by FROM devices WHERE org_id = $1 ORDER BY created_at, id', [orgId]);
  return rows.map((r) => ({
    deviceId: r.id,
    userId: r.user_id,
    name: r.name,
    createdAt: iso(r.created_at),
    revoked: r.revoked_at !== null,
    lastSeenAt: r.last_seen_at === null ? null : iso(r.last_seen_at),
    enrolledVia: r.enrolled_via === 'oidc' ? 'oidc' : 'code',
    revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
    revokedBy: r.revoked_by === 'person' || r.revoked_by === 'admin' ? r.revoked_by : null,
  }));
}

export async function addAdminIn(sql: SqlClient, name: string, publicKey: string): Promise<{ adminId: string }> {
  const adminId = randomUUID();
  const rows = await sql.query('INSERT INTO admins (id, name, public_key) VALUES ($1, $2, $3) ON CONFLICT (public_key) DO NOTHING RETURNING id', [adminId, name, publicKey]);
  if (rows.length === 0) throw new LatchkeyError('conflict', 'That admin key is already registered (revoked keys cannot be registered again: make a new key).');
  return { adminId };
}

export async function revokeAdminIn(sql: SqlClient, adminId: string): Promise<void> {
  const rows = await sql.query('UPDATE admins SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id', [adminId]);
  if (rows.length === 0) throw new LatchkeyError('not_found', 'No such admin.');
}

export async function listAdminsIn(sql: SqlClient): Promise<{ adminId: string; name: string; publicKey: string; createdAt: string; revoked: boolean }[]> {
  const rows = await sql.query<{ id: string; name: string; public_key: string; created_at: unknown; revoked_at: unknown }>(
    'SELECT id, name, public_key, created_at, revoked_at FROM admins ORDER BY created_at, id',
  );
  return rows.map((r) => ({ adminId: r.id, name: r.name, publicKey: r.public_key, createdAt: iso(r.created_at), revoked: r.revoked_at !== null }));
}

// ---------------------------------------------------------------- on the server host

/** Runs one admin operation as the owner and records it (admin null) in the same transaction; a refusal is recorded too. */
async function local<T>(
  db: Database,
  action: Parameters<typeof recordAdminAction>[1]['action'],
  where: { orgId?: string; target?: string },
  fn: (sql: SqlClient) => Promise<T>,
): Promise<T> {
  try {
    return await db.asOwner(async (sql) => {
      const out = await fn(sql);
      const made = out as { orgId?: string; userId?: string; adminId?: string } | undefined;
      await recordAdminAction(sql, {
        adminId: null,
        action,
        orgId: where.orgId ?? made?.orgId ?? null,
        target: where.target ?? made?.userId ?? made?.adminId ?? null,
        outcome: 'ok',
      });
      return out;
    });
  } catch (err) {
    if (err instanceof LatchkeyError) {
      await db
        .asOwner((sql) => recordAdminAction(sql, { adminId: null, action, orgId: where.orgId ?? null, target: where.target ?? null, outcome: 'refused', reason: err.code }))
        .catch(() => undefined);
    }
    throw err;
  }
}

export const createOrg = (db: Database, name: string) => local(db, 'create_org', {}, (sql) => createOrgIn(sql, name));
export const createUser = (db: Database, orgId: string, name: string) => local(db, 'create_person', { orgId }, (sql) => createUserIn(sql, orgId, name));
export const issueEnrolCode = (db: Database, orgId: string, userId: string, ttlMs = ENROL_CODE_TTL_MS) =>
  local(db, 'issue_enrol_code', { orgId, target: userId }, (sql) => issueEnrolCodeIn(sql, orgId, userId, ttlMs));
export const revokeDevice = (db: Database, orgId: string, deviceId: string) =>
  local(db, 'revoke_device', { orgId, target: deviceId }, (sql) => revokeDeviceIn(sql, orgId, deviceId));
export const revokeUser = (db: Database, orgId: string, userId: string) => local(db, 'revoke_person', { orgId, target: userId }, (sql) => revokeUserIn(sql, orgId, userId));
export const listDevices = (db: Database, orgId: string) => local(db, 'list_devices', { orgId }, (sql) => listDevicesIn(sql, orgId));
export const addAdmin = (db: Database, name: string, publicKey: string) => local(db, 'add_admin', {}, (sql) => addAdminIn(sql, name, publicKey));
export const revokeAdmin = (db: Database, adminId: string) => local(db, 'revoke_admin', { target: adminId }, (sql) => revokeAdminIn(sql, adminId));
