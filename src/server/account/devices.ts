/**
 * A person's own devices: the list and the revocation their devices may ask for
 * (docs/sync-protocol.md §5.4). Every query names the caller's org AND person, so a
 * device id of another person, or of another org (which RLS hides anyway), is simply
 * not found: the answer is the same 404 for both, and for an id that does not exist.
 */
import { LatchkeyError } from '../../shared/errors';
import { MAX_MY_DEVICES, type MyDevice } from '../../shared/contracts/my-devices';
import type { SqlClient } from '../db/db';
import type { AuthContext } from '../http/auth';

const iso = (v: unknown): string => new Date(v as string | Date).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

export async function listMyDevices(sql: SqlClient, who: AuthContext): Promise<MyDevice[]> {
  const rows = await sql.query<{ id: string; name: string; created_at: unknown; last_seen_at: unknown; enrolled_via: string; revoked_at: unknown; revoked_by: string | null }>(
    `SELECT id, name, created_at, last_seen_at, enrolled_via, revoked_at, revoked_by FROM devices
      WHERE org_id = $1 AND user_id = $2 ORDER BY created_at, id LIMIT $3`,
    [who.orgId, who.userId, MAX_MY_DEVICES],
  );
  return rows.map((r) => ({
    deviceId: r.id,
    name: r.name,
    enrolledAt: iso(r.created_at),
    lastSeenAt: isoOrNull(r.last_seen_at),
    enrolledVia: r.enrolled_via === 'oidc' ? 'oidc' : 'code',
    revokedAt: isoOrNull(r.revoked_at),
    revokedBy: r.revoked_at === null ? null : r.revoked_by === 'person' ? 'person' : r.revoked_by === 'admin' ? 'admin' : null,
    thisDevice: r.id === who.deviceId,
  }));
}

/**
 * Revokes one of the caller's person's devices (this one included), recording that
 * the person did it and from which device. Revoking a revoked device again changes
 * nothing and answers with the first revocation's time.
 */
export async function revokeMyDevice(sql: SqlClient, who: AuthContext, deviceId: string, now: number): Promise<{ deviceId: string; revokedAt: string }> {
  const rows = await sql.query<{ revoked_at: unknown }>(
    `UPDATE devices SET
        revoked_by = CASE WHEN revoked_at IS NULL THEN 'person' ELSE revoked_by END,
        revoked_by_device = CASE WHEN revoked_at IS NULL THEN $4::uuid ELSE revoked_by_device END,
        revoked_at = coalesce(revoked_at, $5::timestamptz)
      WHERE org_id = $1 AND user_id = $2 AND id = $3
      RETURNING revoked_at`,
    [who.orgId, who.userId, deviceId, who.deviceId, new Date(now).toISOString()],
  );
  const row = rows[0];
  if (!row) throw new LatchkeyError('not_found', 'You have no device with that id.');
  return { deviceId, revokedAt: iso(row.revoked_at) };
}
