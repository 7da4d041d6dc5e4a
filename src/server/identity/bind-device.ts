/**
 * Binding a device key to a person: the one step both enrolment paths (one-time code,
 * src/server/http/enrol.ts; OIDC, ./oidc-routes.ts) end with, so a device enrolled
 * either way is the same row and is checked the same way on every request.
 */
import { LatchkeyError } from '../../shared/errors';
import type { SqlClient } from '../db/db';

export type EnrolledVia = 'code' | 'oidc';

/**
 * Inserts the device in the caller's tenant transaction. A derived id is taken when
 * this key was enrolled before (revoked, or in another org): refused as a conflict, and
 * the caller's rollback undoes whatever it spent (a code's use).
 */
export async function bindDevice(sql: SqlClient, d: { orgId: string; deviceId: string; userId: string; name: string; publicKey: string; via: EnrolledVia }): Promise<void> {
  const inserted = await sql.query(
    'INSERT INTO devices (org_id, id, user_id, name, public_key, enrolled_via) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id',
    [d.orgId, d.deviceId, d.userId, d.name, d.publicKey, d.via],
  );
  if (inserted.length === 0)
    throw new LatchkeyError('conflict', 'This device key is already enrolled with an organisation server. Ask your administrator to remove the old enrolment of this device.');
}
