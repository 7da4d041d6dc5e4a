/**
 * Request authentication: every route but enrolment is signed by the device's Ed25519
 * key over the canonical request string (src/shared/contracts/sync.ts, documented in
 * docs/sync-protocol.md). Checks, in the route's own transaction under the org's RLS scope:
 *
 * 1. device looked up in the org named by the header — an unknown device and a bad
 *    signature get the same answer, so a caller learns nothing about other tenants;
 * 2. signature verified;
 * 3. time within ±MAX_CLOCK_SKEW_MS ('stale_request');
 * 4. person not deactivated by SCIM ('access_disabled'), then device and person not
 *    revoked ('device_revoked', saying who revoked it and when: ./revocation.ts) — checked
 *    on every request, so either takes effect on the next one;
 * 5. nonce unused within the window ('replayed_request'): inserted under a primary key,
 *    so two concurrent copies of one request cannot both pass.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { fromBase64url, utf8ToBytes } from '../../core/crypto/bytes';
import { LatchkeyError } from '../../shared/errors';
import { MAX_CLOCK_SKEW_MS, SIGNED_HEADERS, canonicalRequest, ed25519SignatureSchema, nonceSchema, uuidSchema } from '../../shared/contracts/sync';
import { ACCESS_DISABLED_MESSAGE } from '../../shared/contracts/identity';
import type { Database, SqlClient } from '../db/db';
import { requestBodySha256 } from './body-digest';
import { revocationError } from './revocation';

export interface AuthContext {
  readonly orgId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly publicKey: Uint8Array;
}

const headersSchema = z.object({
  [SIGNED_HEADERS.org]: uuidSchema,
  [SIGNED_HEADERS.device]: uuidSchema,
  [SIGNED_HEADERS.time]: z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
  [SIGNED_HEADERS.nonce]: nonceSchema,
  [SIGNED_HEADERS.signature]: ed25519SignatureSchema,
});

const NOT_VERIFIED = 'The request signature could not be verified for that device. Enrol this device again if it was reset.';

export interface SignedRequestParts {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody: Uint8Array | undefined;
}

interface SignedHeaders {
  readonly orgId: string;
  readonly deviceId: string;
  readonly time: number;
  readonly nonce: string;
  readonly signature: string;
}

function parseSignedHeaders(headers: SignedRequestParts['headers']): SignedHeaders {
  const parsed = headersSchema.safeParse(headers);
  if (!parsed.success) throw new LatchkeyError('unauthorized', 'This request is not signed: send the x-latchkey-* headers (see docs/sync-protocol.md).');
  const h = parsed.data;
  return { orgId: h[SIGNED_HEADERS.org], deviceId: h[SIGNED_HEADERS.device], time: h[SIGNED_HEADERS.time], nonce: h[SIGNED_HEADERS.nonce], signature: h[SIGNED_HEADERS.signature] };
}

// Node's Ed25519 (OpenSSL) is far faster than pure JS; keys are cached per device key.
const keyCache = new Map<string, KeyObject>();
function nodeKey(publicKeyB64u: string): KeyObject {
  let k = keyCache.get(publicKeyB64u);
  if (!k) {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKeyB64u }, format: 'jwk' });
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(publicKeyB64u, k);
  }
  return k;
}

/** Ed25519 over `message` by the base64url key; false (never a throw) for any malformed input. Shared with admin auth. */
export function signatureValid(message: Uint8Array, signatureB64u: string, publicKeyB64u: string): boolean {
  try {
    const sig = fromBase64url(signatureB64u);
    return sig.length === 64 && cryptoVerify(null, message, nodeKey(publicKeyB64u), sig);
  } catch {
    return false;
  }
}

interface DeviceRow {
  user_id: string;
  public_key: string;
  last_seen_at: unknown;
  revoked_at: unknown;
  revoked_by: string | null;
  revoked_by_device: string | null;
  by_name: string | null;
  user_revoked_at: unknown;
  user_deactivated: boolean;
}

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string | Date));

/** How stale `last_seen_at` may get before a request writes it again (ms): one row write a minute per device, not one per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/** Records when the device was last seen, at most once per LAST_SEEN_RESOLUTION_MS (before the route's savepoint: a failed route still saw the device). */
async function noteLastSeen(sql: SqlClient, h: SignedHeaders, lastSeen: Date | null, now: number): Promise<void> {
  if (lastSeen !== null && now - lastSeen.getTime() < LAST_SEEN_RESOLUTION_MS) return;
  await sql.query('UPDATE devices SET last_seen_at = $3 WHERE org_id = $1 AND id = $2', [h.orgId, h.deviceId, new Date(now).toISOString()]);
}

/** Checks 1–5 inside the caller's tenant transaction; inserts the nonce and notes the device as seen. */
async function authenticateIn(sql: SqlClient, h: SignedHeaders, req: SignedRequestParts, now: number): Promise<AuthContext> {
  const bodySha256 = requestBodySha256(req.rawBody);
  const message = utf8ToBytes(canonicalRequest({ method: req.method, path: req.url, bodySha256, time: h.time, nonce: h.nonce, orgId: h.orgId, deviceId: h.deviceId }));
  const rows = await sql.query<DeviceRow>(
    `SELECT d.user_id, d.public_key, d.last_seen_at, d.revoked_at, d.revoked_by, d.revoked_by_device, b.name AS by_name, u.revoked_at AS user_revoked_at,
            u.deactivated_at IS NOT NULL AS user_deactivated
       FROM devices d JOIN users u ON u.org_id = d.org_id AND u.id = d.user_id
       LEFT JOIN devices b ON b.org_id = d.org_id AND b.id = d.revoked_by_device
      WHERE d.org_id = $1 AND d.id = $2`,
    [h.orgId, h.deviceId],
  );
  const row = rows[0];
  if (!row || !signatureValid(message, h.signature, row.public_key)) throw new LatchkeyError('unauthorized', NOT_VERIFIED);
  if (Math.abs(now - h.time) > MAX_CLOCK_SKEW_MS) {
    throw new LatchkeyError('stale_request', "The request time is too far from the server clock (over 5 minutes); check this computer's clock.");
  }
  // Before revocation: a person the IdP turned off is told so, whatever else holds.
  if (row.user_deactivated) throw new LatchkeyError('access_disabled', ACCESS_DISABLED_MESSAGE);
  const revoked = revocationError({
    deviceId: h.deviceId,
    deviceRevokedAt: toDate(row.revoked_at),
    deviceRevokedBy: row.revoked_by === 'person' || row.revoked_by === 'admin' ? row.revoked_by : null,
    byDeviceId: row.revoked_by_device,
    byDeviceName: row.by_name,
    personRevokedAt: toDate(row.user_revoked_at),
  });
  if (revoked !== null) throw revoked;
  const inserted = await sql.query(
    `INSERT INTO request_nonces (org_id, device_id, nonce, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (device_id, nonce) DO NOTHING RETURNING 1 AS ok`,
    [h.orgId, h.deviceId, h.nonce, new Date(h.time + 2 * MAX_CLOCK_SKEW_MS).toISOString()],
  );
  if (inserted.length === 0) throw new LatchkeyError('replayed_request', 'This exact request was already received; a request cannot be replayed.');
  await noteLastSeen(sql, h, toDate(row.last_seen_at), now);
  return { orgId: h.orgId, userId: row.user_id, deviceId: h.deviceId, publicKey: fromBase64url(row.public_key) };
}

/**
 * Authenticates and runs the route in ONE transaction under the org's RLS scope (one
 * round of BEGIN/role/tenant/COMMIT per request). The route runs after a savepoint: if
 * it fails, its writes roll back but the nonce still commits, so a failed request
 * cannot be replayed either.
 */
export async function withDevice<T>(db: Database, req: SignedRequestParts, now: number, route: (who: AuthContext, sql: SqlClient) => Promise<T>): Promise<T> {
  const h = parseSignedHeaders(req.headers);
  let failure: { err: unknown } | undefined;
  const out = await db.asTenant(h.orgId, async (sql) => {
    const who = await authenticateIn(sql, h, req, now);
    await sql.query('SAVEPOINT route');
    try {
      return await route(who, sql);
    } catch (err) {
      failure = { err };
      await sql.query('ROLLBACK TO SAVEPOINT route');
      return undefined;
    }
  });
  if (failure) throw failure.err;
  return out as T;
}

/** Drops nonces whose requests the clock check already refuses (owner: spans orgs), devices' and admins'. */
export async function purgeExpiredNonces(db: Database, now: number): Promise<void> {
  const before = new Date(now).toISOString();
  const orgs = await db.asOwner((sql) => sql.query<{ id: string }>('SELECT id FROM orgs'));
  for (const o of orgs) {
    await db.asTenant(o.id, (sql) => sql.query('DELETE FROM request_nonces WHERE expires_at < $1', [before]));
  }
  await db.asOwner((sql) => sql.query('DELETE FROM admin_nonces WHERE expires_at < $1', [before]));
}
