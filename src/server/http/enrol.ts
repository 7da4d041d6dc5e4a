/**
 * POST /v1/enrol — the only unsigned route: a one-time code plus the device's Ed25519
 * public key. The code is `<orgId>.<secret>`; the lookup runs under that org's RLS
 * scope and matches the secret's SHA-256, and `used_at` is set in the same UPDATE that
 * checks it, so two devices racing with one code cannot both enrol. Every failure
 * (unknown org, wrong, used or expired code) gets the same answer.
 *
 * The device id: a client that already signs an audit chain (personal mode, from the
 * app's first start) proposes the id it signs with; it is accepted only if it is the
 * derivation from the public key (src/core/sync/device-id.ts), so nobody can take an
 * id that is not their key's. Older clients propose none and get a random UUID.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROUTES, enrolRequestSchema, enrolResponseSchema } from '../../shared/contracts/sync';
import { LatchkeyError } from '../../shared/errors';
import { toBase64url, fromBase64url } from '../../core/crypto/bytes';
import { hashEnrolSecret } from '../admin/admin';
import { deviceIdForPublicKey } from '../../core/sync/device-id';
import { readJsonBody } from './body';
import { bindDevice } from '../identity/bind-device';
import { ACCESS_DISABLED_MESSAGE } from '../../shared/contracts/identity';
import type { Database } from '../db/db';

const REFUSED = 'This enrolment code is not valid: it may be mistyped, used already or expired. Ask your administrator for a new one.';

export function registerEnrolRoute(app: FastifyInstance, db: Database, serverPublicKey: Uint8Array): void {
  app.post(ROUTES.enrol, { config: { rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (req) => {
    const body = enrolRequestSchema.parse(readJsonBody(req));
    const [orgId, secret] = body.code.split('.') as [string, string];
    const publicKey = fromBase64url(body.publicKey);
    if (publicKey.length !== 32) throw new LatchkeyError('invalid_input', 'The public key must be 32 bytes.');
    // Checked before the code is looked up, so a refused proposal does not use the code up.
    if (body.deviceId !== undefined && body.deviceId !== deviceIdForPublicKey(publicKey)) {
      throw new LatchkeyError(
        'invalid_input',
        'The proposed device id is not the one derived from this device key, so it was refused. Update Latchkey on this device and enrol again.',
      );
    }
    const deviceId = body.deviceId ?? randomUUID();
    const userId = await db.asTenant(orgId, async (sql) => {
      const used = await sql.query<{ user_id: string }>(
        `UPDATE enrol_codes SET used_at = now()
          WHERE org_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id`,
        [orgId, hashEnrolSecret(secret)],
      );
      const row = used[0];
      if (!row) throw new LatchkeyError('unauthorized', REFUSED);
      const user = await sql.query<{ deactivated: boolean }>('SELECT deactivated_at IS NOT NULL AS deactivated FROM users WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [
        orgId,
        row.user_id,
      ]);
      if (user.length === 0) throw new LatchkeyError('unauthorized', REFUSED);
      if (user[0]!.deactivated) throw new LatchkeyError('access_disabled', ACCESS_DISABLED_MESSAGE);
      await bindDevice(sql, { orgId, deviceId, userId: row.user_id, name: body.deviceName, publicKey: body.publicKey, via: 'code' });
      return row.user_id;
    });
    return enrolResponseSchema.parse({ orgId, userId, deviceId, serverPublicKey: toBase64url(serverPublicKey) });
  });
}
