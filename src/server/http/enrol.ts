/**
 * POST /v1/enrol — the only unsigned route: a one-time code plus the device's Ed25519
 * public key. The code is `<orgId>.<secret>`; the lookup runs under that org's RLS
 * scope and matches the secret's SHA-256, and `used_at` is set in the same UPDATE that
 * checks it, so two devices racing with one code cannot both enrol. Every failure
 * (unknown org, wrong, used or expired code) gets the same answer.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROUTES, enrolRequestSchema, enrolResponseSchema } from '../../shared/contracts/sync';
import { LatchkeyError } from '../../shared/errors';
import { toBase64url, fromBase64url } from '../../core/crypto/bytes';
import { hashEnrolSecret } from '../admin/admin';
import { readJsonBody } from './body';
import type { Database } from '../db/db';

const REFUSED = 'This enrolment code is not valid: it may be mistyped, used already or expired. Ask your administrator for a new one.';

export function registerEnrolRoute(app: FastifyInstance, db: Database, serverPublicKey: Uint8Array): void {
  app.post(ROUTES.enrol, { config: { rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (req) => {
    const body = enrolRequestSchema.parse(readJsonBody(req));
    const [orgId, secret] = body.code.split('.') as [string, string];
    if (fromBase64url(body.publicKey).length !== 32) throw new LatchkeyError('invalid_input', 'The public key must be 32 bytes.');
    const deviceId = randomUUID();
    const userId = await db.asTenant(orgId, async (sql) => {
      const used = await sql.query<{ user_id: string }>(
        `UPDATE enrol_codes SET used_at = now()
          WHERE org_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id`,
        [orgId, hashEnrolSecret(secret)],
      );
      const row = used[0];
      if (!row) throw new LatchkeyError('unauthorized', REFUSED);
      const user = await sql.query('SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, row.user_id]);
      if (user.length === 0) throw new LatchkeyError('unauthorized', REFUSED);
      await sql.query('INSERT INTO devices (org_id, id, user_id, name, public_key) VALUES ($1, $2, $3, $4, $5)', [orgId, deviceId, row.user_id, body.deviceName, body.publicKey]);
      return row.user_id;
    });
    return enrolResponseSchema.parse({ orgId, userId, deviceId, serverPublicKey: toBase64url(serverPublicKey) });
  });
}
