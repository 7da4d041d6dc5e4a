/**
 * Sync routes: push (CAS), pull (cursor pages), the latest signed vault manifest, and
 * the person's device list (public keys to check a sibling device's manifest).
 * Every route is signed; the person is the authenticated device's owner, never an id
 * taken from the request, so one person cannot name another's records.
 */
import type { FastifyInstance } from 'fastify';
import {
  MAX_MANIFEST_LINKS,
  ROUTES,
  type ManifestLink,
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
import { manifestHash, manifestHeader, verifyManifestSignature } from '../../core/sync/manifest';
import { parseStrictJson } from '../../shared/encoding/strict-json';
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
    const out = await auth(req, async (who, sql) => {
      const { after } = manifestQuerySchema.parse(req.query);
      const rows = await sql.query<{ seq: number; hash: string; body: string }>('SELECT seq, hash, body FROM sync_manifests WHERE org_id = $1 AND user_id = $2', [
        who.orgId,
        who.userId,
      ]);
      const seq = Number(rows[0]?.seq ?? 0);
      const hash = rows[0]?.hash ?? '';
      if (!rows[0] || seq <= after) return { seq, hash, links: [], signed: null };
      const links = await sql.query<{ body: string }>('SELECT body FROM sync_manifest_links WHERE org_id = $1 AND user_id = $2 AND seq > $3 AND seq < $4 ORDER BY seq LIMIT $5', [
        who.orgId,
        who.userId,
        after,
        seq,
        MAX_MANIFEST_LINKS + 1,
      ]);
      const complete = links.length <= MAX_MANIFEST_LINKS;
      return {
        seq,
        hash,
        links: links.slice(0, MAX_MANIFEST_LINKS).map((l) => parseStrictJson(l.body, 'A stored manifest link')),
        signed: complete ? parseStrictJson(rows[0].body, 'The stored manifest') : null,
      };
    });
    return manifestResponseSchema.parse(out);
  });

  // The server checks what it can (signer is this device, ids match, it extends the
  // stored manifest, seq moves forward and not past head) so junk is refused early;
  // clients verify again, since the point of the manifest is that they need not trust
  // the server.
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
      const rows = await sql.query<{ seq: number; hash: string }>('SELECT seq, hash FROM sync_manifests WHERE org_id = $1 AND user_id = $2 FOR UPDATE', [who.orgId, who.userId]);
      const stored = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: -1, hash: '' };
      if (stored.seq >= m.seq) throw new LatchkeyError('conflict', `A manifest at change ${stored.seq} is already stored; pull and sign again.`);
      if (m.prev !== stored.hash) throw new LatchkeyError('conflict', 'This manifest does not extend the stored one (another device signed meanwhile); pull and sign again.');
      const hash = manifestHash(m);
      await sql.query(
        `INSERT INTO sync_manifests (org_id, user_id, seq, hash, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, user_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, body = EXCLUDED.body`,
        [who.orgId, who.userId, m.seq, hash, JSON.stringify(signed)],
      );
      const link: ManifestLink = { header: manifestHeader(m), signature: signed.signature };
      await sql.query('INSERT INTO sync_manifest_links (org_id, user_id, seq, hash, body) VALUES ($1, $2, $3, $4, $5)', [who.orgId, who.userId, m.seq, hash, JSON.stringify(link)]);
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
