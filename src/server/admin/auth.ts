/**
 * Admin request authentication (docs/admin-api.md §2), built from the device scheme's
 * pieces (src/server/http/auth.ts): Ed25519 over a canonical request string, time
 * within ±MAX_CLOCK_SKEW_MS, a nonce inserted under a primary key, the body parsed
 * strictly only after all that. What differs is kept apart on purpose: the admin's
 * own headers and table, and a canonical string whose first line no device signs.
 *
 * One owner transaction per request: authenticate, insert the nonce, run the route
 * after a savepoint, and record the action. A failed route rolls back to the savepoint
 * and is recorded as refused, in the same commit as the nonce; a revoked admin's
 * attempt is recorded as refused too.
 */
import { utf8ToBytes } from '../../core/crypto/bytes';
import { LatchkeyError } from '../../shared/errors';
import { MAX_CLOCK_SKEW_MS, SIGNED_HEADERS } from '../../shared/contracts/sync';
import { ADMIN_HEADERS, adminHeadersSchema, canonicalAdminRequest, type AdminAction } from '../../shared/contracts/admin';
import type { Database, SqlClient } from '../db/db';
import { signatureValid, type SignedRequestParts } from '../http/auth';
import { requestBodySha256 } from '../http/body-digest';
import { toLatchkeyError } from '../http/errors';
import { recordAdminAction } from './actions';

export interface AdminContext {
  readonly adminId: string;
  readonly name: string;
}

/** What the action touched, for its row in admin_actions; a route may fill in ids it creates. */
export interface ActionNote {
  orgId: string | null;
  target: string | null;
}

const NOT_VERIFIED = 'The admin request signature could not be verified: use a registered admin key (latchkey server admin-keygen, then add-admin).';

export async function withAdmin<T>(
  db: Database,
  req: SignedRequestParts,
  now: number,
  action: AdminAction,
  note: ActionNote,
  route: (who: AdminContext, sql: SqlClient, note: ActionNote) => Promise<T>,
): Promise<T> {
  if (req.headers[SIGNED_HEADERS.device] !== undefined || req.headers[SIGNED_HEADERS.org] !== undefined) {
    throw new LatchkeyError('unauthorized', 'This is the admin API: sign requests with an admin key, not a device key (see docs/admin-api.md).');
  }
  const parsed = adminHeadersSchema.safeParse(req.headers);
  if (!parsed.success)
    throw new LatchkeyError('unauthorized', 'This admin request is not signed: send the x-latchkey-admin-key, -time, -nonce and -signature headers (see docs/admin-api.md).');
  const h = parsed.data;
  const adminKey = h[ADMIN_HEADERS.key];
  const time = h[ADMIN_HEADERS.time];
  const nonce = h[ADMIN_HEADERS.nonce];

  let failure: { err: unknown } | undefined;
  const out = await db.asOwner(async (sql) => {
    const bodySha256 = requestBodySha256(req.rawBody);
    const message = utf8ToBytes(canonicalAdminRequest({ method: req.method, path: req.url, bodySha256, time, nonce, adminKey }));
    const rows = await sql.query<{ id: string; name: string; revoked: boolean }>('SELECT id, name, revoked_at IS NOT NULL AS revoked FROM admins WHERE public_key = $1', [
      adminKey,
    ]);
    const row = rows[0];
    if (!row || !signatureValid(message, h[ADMIN_HEADERS.signature], adminKey)) throw new LatchkeyError('unauthorized', NOT_VERIFIED);
    if (Math.abs(now - time) > MAX_CLOCK_SKEW_MS) {
      throw new LatchkeyError('stale_request', "The request time is too far from the server clock (over 5 minutes); check this computer's clock.");
    }
    const inserted = await sql.query('INSERT INTO admin_nonces (admin_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1 AS ok', [
      row.id,
      nonce,
      new Date(time + 2 * MAX_CLOCK_SKEW_MS).toISOString(),
    ]);
    if (inserted.length === 0) throw new LatchkeyError('replayed_request', 'This exact request was already received; a request cannot be replayed.');
    if (row.revoked) {
      failure = { err: new LatchkeyError('forbidden', 'This admin key was revoked; ask another administrator for access with a new key.') };
      await recordAdminAction(sql, { adminId: row.id, action, ...note, outcome: 'refused', reason: 'admin_revoked' });
      return undefined;
    }
    const who: AdminContext = { adminId: row.id, name: row.name };
    await sql.query('SAVEPOINT route');
    try {
      const result = await route(who, sql, note);
      await recordAdminAction(sql, { adminId: who.adminId, action, ...note, outcome: 'ok' });
      return result;
    } catch (err) {
      failure = { err };
      await sql.query('ROLLBACK TO SAVEPOINT route');
      await recordAdminAction(sql, { adminId: who.adminId, action, ...note, outcome: 'refused', reason: toLatchkeyError(err).code });
      return undefined;
    }
  });
  if (failure) throw failure.err;
  return out as T;
}
