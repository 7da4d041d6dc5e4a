/**
 * Sync routes: push (CAS), pull (cursor pages), the latest signed vault manifest, and
 * the person's device list (public keys to check a sibling device's manifest).
 * Every route is signed; the person is the authenticated device's owner, never an id
 * taken from the request, so one person cannot name another's records.
 */
import type { FastifyInstance } from 'fastify';
import {
  ROUTES,
  manifestQuerySchema,
  manifestResponseSchema,
  pullQuerySchema,
  pullResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  signedManifestSchema,
  devicesResponseSchema,
} from '../../shared/contracts/sync';
import { LatchkeyError } from '../../shared/errors';
import { verifyManifestSignature } from '../../core/sync/manifest';
import type { Authenticator } from '../http/authenticator';
import { pullRecords, pushChanges, readHead } from './store';

export function registerSyncRoutes(app: FastifyInstance, auth: Authenticator): void {
  app.post(ROUTES.push, async (req) => {
    // Authenticate before looking at the body: an unsigned caller learns nothing, not even schema errors.
    const out = await auth(req, (who, sql) => pushChanges(sql, who.orgId, who.userId, pushRequestSchema.parse(req.body).changes));
    return pushResponseSchema.parse(out);
  });

  app.get(ROUTES.pull, async (req) => {
    const out = await auth(req, (who, sql) => {
      const q = pullQuerySchema.parse(req.query);
      return pullRecords(sql, who.orgId, who.userId, q.cursor, q.limit);
    });
    return pullResponseSchema.parse(out);
  });

  app.get(ROUTES.manifest, async (req) => {
    const { rows, after } = await auth(req, async (who, sql) => ({
      after: manifestQuerySchema.parse(req.query).after,
      rows: await sql.query<{ seq: number; body: string }>('SELECT seq, body FROM sync_manifests WHERE org_id = $1 AND user_id = $2', [who.orgId, who.userId]),
    }));
    const seq = Number(rows[0]?.seq ?? 0);
    return manifestResponseSchema.parse({ seq, signed: rows[0] && seq > after ? JSON.parse(rows[0].body) : null });
  });

  // The server checks what it can (signer is this device, ids match, seq moves
  // forward and not past head) so junk is refused early; clients verify again, since
  // the point of the manifest is that they need not trust the server.
  app.put(ROUTES.manifest, async (req) => {
    await auth(req, async (who, sql) => {
      const signed = signedManifestSchema.parse(req.body);
      const m = signed.manifest;
      if (m.orgId !== who.orgId || m.userId !== who.userId || m.deviceId !== who.deviceId) {
        throw new LatchkeyError('forbidden', 'A manifest must name this device, its owner and its organisation.');
      }
      if (!verifyManifestSignature(signed, who.publicKey)) throw new LatchkeyError('invalid_input', 'The manifest signature is not valid for this device.');
      const head = await readHead(sql, who.orgId, who.userId);
      if (m.seq > head) throw new LatchkeyError('invalid_input', `The manifest describes change ${m.seq}, beyond the server's ${head}.`);
      const rows = await sql.query<{ seq: number }>('SELECT seq FROM sync_manifests WHERE org_id = $1 AND user_id = $2 FOR UPDATE', [who.orgId, who.userId]);
      if (rows[0] && Number(rows[0].seq) > m.seq) throw new LatchkeyError('conflict', 'A newer manifest is already stored; pull and sign again.');
      await sql.query(
        `INSERT INTO sync_manifests (org_id, user_id, seq, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, user_id) DO UPDATE SET seq = EXCLUDED.seq, body = EXCLUDED.body`,
        [who.orgId, who.userId, m.seq, JSON.stringify(signed)],
      );
    });
    return { ok: true as const };
  });

  app.get(ROUTES.devices, async (req) => {
    const rows = await auth(req, (who, sql) =>
      sql.query<{ id: string; public_key: string; name: string; revoked: boolean }>(
        'SELECT id, public_key, name, revoked_at IS NOT NULL AS revoked FROM devices WHERE org_id = $1 AND user_id = $2 ORDER BY created_at',
        [who.orgId, who.userId],
      ),
    );
    return devicesResponseSchema.parse({ devices: rows.map((r) => ({ deviceId: r.id, publicKey: r.public_key, name: r.name, revoked: r.revoked })) });
  });
}
