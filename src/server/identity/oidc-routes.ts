/**
 * OIDC enrolment (docs/identity.md §3), two unsigned routes:
 *
 * 1. POST /v1/enrol/oidc/start {orgId, publicKey}: the org's IdP (issuer, client id,
 *    scope) and a fresh nonce bound to that device key, valid 10 minutes, one use.
 * 2. POST /v1/enrol/oidc/complete {orgId, attemptId, idToken, publicKey, deviceName,
 *    deviceId?}: the attempt is used up first, in its own transaction (so a replayed
 *    nonce is refused whatever happens next), the ID token is verified (./oidc-verify),
 *    then in one tenant transaction the person whose userName is the verified e-mail is
 *    found (or created, if the org allows it) and the device bound to them exactly as
 *    the one-time code path binds it (./bind-device).
 *
 * The IdP is contacted only by the app (authorization code + PKCE) and, for its JWKS,
 * by this server; no IdP secret exists anywhere (a public, native client).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { LatchkeyError } from '../../shared/errors';
import {
  ACCESS_DISABLED_MESSAGE,
  IDENTITY_ROUTES,
  OIDC_ATTEMPT_TTL_MS,
  oidcCompleteRequestSchema,
  oidcStartRequestSchema,
  oidcStartResponseSchema,
} from '../../shared/contracts/identity';
import { enrolResponseSchema } from '../../shared/contracts/sync';
import { fromBase64url, toBase64url } from '../../core/crypto/bytes';
import { deviceIdForPublicKey } from '../../core/sync/device-id';
import type { Database, SqlClient } from '../db/db';
import { readJsonBody } from '../http/body';
import { bindDevice } from './bind-device';
import { readOidcConfig } from './oidc-config';
import { hashNonce, newNonce } from './oidc-nonce';
import { verifyIdToken, type VerifiedIdentity } from './oidc-verify';
import { findPersonByUserName, userNameKey } from './people';

const NO_OIDC = 'This organisation does not offer sign-in enrolment on this server. Check the organisation id, or enrol with a one-time code from your administrator.';
const ATTEMPT_REFUSED = 'This sign-in was already used, has expired or belongs to no enrolment attempt. Start the enrolment again.';

export function registerOidcRoutes(app: FastifyInstance, db: Database, serverPublicKey: Uint8Array, now: () => number, perMinute: number): void {
  const limit = { config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } } };

  app.post(IDENTITY_ROUTES.oidcStart, limit, async (req) => {
    const body = oidcStartRequestSchema.parse(readJsonBody(req));
    const nonce = newNonce();
    const attemptId = randomUUID();
    const expiresAt = new Date(Date.now() + OIDC_ATTEMPT_TTL_MS);
    const config = await db.asTenant(body.orgId, async (sql) => {
      const c = await readOidcConfig(sql, body.orgId);
      if (!c) return null;
      await sql.query("DELETE FROM oidc_attempts WHERE org_id = $1 AND expires_at < now() - interval '1 hour'", [body.orgId]);
      await sql.query('INSERT INTO oidc_attempts (org_id, id, nonce_hash, public_key, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        body.orgId,
        attemptId,
        hashNonce(nonce),
        body.publicKey,
        expiresAt.toISOString(),
      ]);
      return c;
    });
    if (!config) throw new LatchkeyError('not_found', NO_OIDC);
    const scope = ['openid', 'email', ...(config.allowedGroups.length > 0 ? [config.groupsClaim] : [])].join(' ');
    return oidcStartResponseSchema.parse({ attemptId, nonce, issuer: config.issuer, clientId: config.clientId, scope, expiresAt: expiresAt.toISOString() });
  });

  app.post(IDENTITY_ROUTES.oidcComplete, limit, async (req) => {
    const body = oidcCompleteRequestSchema.parse(readJsonBody(req));
    const publicKey = fromBase64url(body.publicKey);
    if (publicKey.length !== 32) throw new LatchkeyError('invalid_input', 'The public key must be 32 bytes.');
    const derived = deviceIdForPublicKey(publicKey);
    // Checked before the attempt is used, so a refused proposal does not spend it.
    if (body.deviceId !== undefined && body.deviceId !== derived) {
      throw new LatchkeyError(
        'invalid_input',
        'The proposed device id is not the one derived from this device key, so it was refused. Update Latchkey on this device and enrol again.',
      );
    }
    // One use, committed on its own: whatever fails below, this nonce is spent.
    const attempt = await db.asTenant(body.orgId, async (sql) => {
      const rows = await sql.query<{ nonce_hash: string; public_key: string }>(
        `UPDATE oidc_attempts SET used_at = now() WHERE org_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > now() RETURNING nonce_hash, public_key`,
        [body.orgId, body.attemptId],
      );
      return { row: rows[0], config: await readOidcConfig(sql, body.orgId) };
    });
    if (!attempt.row || !attempt.config) throw new LatchkeyError('unauthorized', ATTEMPT_REFUSED, { reason: 'attempt' });
    if (attempt.row.public_key !== body.publicKey) {
      throw new LatchkeyError('unauthorized', 'This sign-in was started for another device key. Start the enrolment again on this device.', { reason: 'attempt' });
    }
    const who = await verifyIdToken(body.idToken, attempt.config, attempt.row.nonce_hash, now());
    const { createPeople, issuer } = attempt.config;
    const deviceId = body.deviceId ?? randomUUID();
    const userId = await db.asTenant(body.orgId, async (sql) => {
      const userId = await personFor(sql, body.orgId, who, issuer, createPeople);
      await bindDevice(sql, { orgId: body.orgId, deviceId, userId, name: body.deviceName, publicKey: body.publicKey, via: 'oidc' });
      return userId;
    });
    return enrolResponseSchema.parse({ orgId: body.orgId, userId, deviceId, serverPublicKey: toBase64url(serverPublicKey) });
  });
}

/**
 * The person this sign-in is: found by userName = the verified e-mail, and pinned to the
 * IdP account (issuer, sub) of their first OIDC enrolment; created just in time if the
 * org allows it.
 */
async function personFor(sql: SqlClient, orgId: string, who: VerifiedIdentity, issuer: string, createPeople: boolean): Promise<string> {
  const p = await findPersonByUserName(sql, orgId, who.email);
  if (p) {
    if (p.deactivated) throw new LatchkeyError('access_disabled', ACCESS_DISABLED_MESSAGE);
    if (p.revoked) throw new LatchkeyError('forbidden', 'Your access to this organisation was revoked by an administrator.');
    if (p.oidcIssuer === issuer && p.oidcSubject !== who.subject) {
      throw new LatchkeyError(
        'forbidden',
        'This e-mail address belonged to another account at your sign-in service when it was first used with Latchkey. Ask your IT administrator.',
        { reason: 'subject' },
      );
    }
    if (p.oidcIssuer !== issuer) await sql.query('UPDATE users SET oidc_issuer = $3, oidc_subject = $4 WHERE org_id = $1 AND id = $2', [orgId, p.userId, issuer, who.subject]);
    return p.userId;
  }
  if (!createPeople) {
    throw new LatchkeyError('forbidden', 'Your organisation has not set you up in Latchkey yet (no person with this e-mail address). Ask your IT administrator.', {
      reason: 'no_person',
    });
  }
  const userId = randomUUID();
  await sql.query('INSERT INTO users (org_id, id, name, user_name, user_name_key, oidc_issuer, oidc_subject) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    orgId,
    userId,
    who.email.slice(0, 100),
    who.email,
    userNameKey(who.email),
    issuer,
    who.subject,
  ]);
  await sql.query('INSERT INTO sync_heads (org_id, user_id) VALUES ($1, $2)', [orgId, userId]);
  return userId;
}
