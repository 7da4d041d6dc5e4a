/**
 * A server that rolls a vault back (restored from an old backup), forks it (hides one
 * device's changes from another) or replays an old response is refused by the client
 * with 'rollback_detected', and the client's local data stays as it was.
 */
import { describe, expect, it } from 'vitest';
import type { Row } from '../../../src/server/db/db';
import { MemorySyncStateStore, createServerApi, signManifest } from '../../../src/core/sync';
import { LatchkeyError } from '../../../src/shared/errors';
import { ROUTES, type SignedManifest } from '../../../src/shared/contracts/sync';
import { enrolTestDevice, newTenant, nodeFetch, nodeRandom, useTestServer } from '../server/helpers';
import { syncedDevice } from './devices';

const env = useTestServer();

const TABLES = ['sync_records', 'sync_heads', 'sync_manifests'] as const;
type Backup = Record<(typeof TABLES)[number], Row[]>;

/** What an operator's database backup holds for one org. */
async function backup(orgId: string): Promise<Backup> {
  return env.db.asOwner(async (sql) => {
    const out = {} as Backup;
    for (const t of TABLES) out[t] = await sql.query(`SELECT * FROM ${t} WHERE org_id = $1`, [orgId]);
    return out;
  }, orgId);
}

/** Restores that backup over the live rows (the "server rolled back" attack or accident). */
async function restore(orgId: string, b: Backup): Promise<void> {
  await env.db.asOwner(async (sql) => {
    for (const t of TABLES) {
      await sql.query(`DELETE FROM ${t} WHERE org_id = $1`, [orgId]);
      for (const row of b[t]) {
        const cols = Object.keys(row);
        await sql.query(
          `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((c) => row[c]),
        );
      }
    }
  }, orgId);
}

async function expectRollback(p: Promise<unknown>, code: 'rollback_detected' | 'fork_detected' = 'rollback_detected'): Promise<LatchkeyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  expect((err as LatchkeyError).code).toBe(code);
  return err as LatchkeyError;
}

describe('rollback and fork detection', () => {
  it('a server restored from an old backup is refused, and local items are untouched', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('r-1', { title: 'one' });
    await a.client.sync();
    const old = await backup(t.orgId);
    await a.edit('r-1', { title: 'one, edited' });
    await a.edit('r-2', { title: 'two' });
    await a.client.sync();

    await restore(t.orgId, old);
    const err = await expectRollback(a.client.sync());
    expect(err.message).toMatch(/fewer than/);
    expect(a.items.get('r-1')).toEqual({ title: 'one, edited' });
    expect(a.items.get('r-2')).toEqual({ title: 'two' });
  });

  it('a record hidden from one device while another device signed it is detected (fork)', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    const b = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('f-1', { title: 'shared' });
    await a.client.sync();
    await b.client.sync();
    // B adds a record and signs a manifest listing it.
    await b.edit('f-2', { title: 'only B' });
    const rb = await b.client.sync();
    expect(rb.manifestSigned).toBe(true);
    // The server hides f-2 from A but keeps B's manifest and its head.
    await env.db.asOwner((sql) => sql.query("DELETE FROM sync_records WHERE org_id = $1 AND record_id = 'f-2'", [t.orgId]), t.orgId);
    // The head change (B's write of f-2) has no record any more: the server dropped it.
    const err = await expectRollback(a.client.sync(), 'fork_detected');
    expect(err.details).toMatchObject({ headSeq: 2 });
  });

  it('an old manifest served after a newer one was seen is refused', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('m-1', { v: 1 });
    await a.client.sync();
    const oldManifest = await env.db.asOwner((sql) => sql.query<{ seq: number; body: string }>('SELECT seq, body FROM sync_manifests WHERE org_id = $1', [t.orgId]), t.orgId);
    await a.edit('m-1', { v: 2 });
    await a.client.sync();
    await env.db.asOwner((sql) => sql.query('UPDATE sync_manifests SET seq = $2, body = $3 WHERE org_id = $1', [t.orgId, oldManifest[0]!.seq, oldManifest[0]!.body]), t.orgId);
    await expectRollback(a.client.sync());
  });

  it('an old pull response replayed by the server is refused', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    // A man-in-the-middle server that records the first pull answer and replays it later.
    let recorded: string | undefined;
    let replay = false;
    const api = createServerApi({
      baseUrl: env.server.url,
      random: nodeRandom,
      signer: dev.signer,
      clock: { now: Date.now },
      identity: { orgId: dev.orgId, userId: dev.userId, deviceId: dev.deviceId },
      fetch: async (url, init) => {
        const res = await nodeFetch(url, init);
        if (!new URL(url).pathname.startsWith(ROUTES.pull)) return res;
        const text = await res.text();
        if (replay && recorded) return { status: 200, text: async () => recorded! };
        recorded ??= text;
        return { status: res.status, text: async () => text };
      },
    });
    const a = syncedDevice({ ...dev, api });
    await a.edit('p-1', { v: 1 });
    await a.client.sync();
    await a.client.sync(); // nothing to push: this one pulls, and the proxy records the answer
    expect(recorded).toBeDefined();
    await a.edit('p-1', { v: 2 });
    await a.client.sync();
    replay = true;
    await expectRollback(a.client.sync());
    expect(a.items.get('p-1')).toEqual({ v: 2 });
  });

  it('a device that missed several manifests follows their chain link by link, and a broken link is refused', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    const b = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('c-0', { v: 0 });
    await a.client.sync();
    await b.client.sync();
    for (let i = 1; i <= 3; i++) {
      await b.edit(`c-${i}`, { v: i });
      expect((await b.client.sync()).manifestSigned).toBe(true);
    }
    const links = await env.db.asOwner((sql) => sql.query<{ seq: number }>('SELECT seq FROM sync_manifest_links WHERE org_id = $1 ORDER BY seq', [t.orgId]), t.orgId);
    expect(links.map((l) => Number(l.seq))).toEqual([1, 2, 3, 4]);
    // A verified the manifest at 1; 2 and 3 reach it as links, 4 in full.
    expect((await a.client.sync()).pulled).toBe(3);
    expect(a.items.get('c-3')).toEqual({ v: 3 });

    // Now a link whose header was edited (an older `time`) no longer verifies.
    await b.edit('c-4', { v: 4 });
    await b.client.sync();
    await b.edit('c-5', { v: 5 });
    await b.client.sync();
    await env.db.asOwner(async (sql) => {
      const [row] = await sql.query<{ body: string }>('SELECT body FROM sync_manifest_links WHERE org_id = $1 AND seq = 5', [t.orgId]);
      const link = JSON.parse(row!.body) as { header: { time: number } };
      link.header.time -= 1;
      await sql.query('UPDATE sync_manifest_links SET body = $2 WHERE org_id = $1 AND seq = 5', [t.orgId, JSON.stringify(link)]);
    }, t.orgId);
    const err = await expectRollback(a.client.sync());
    expect(err.message).toMatch(/no device of yours signed/);
  });

  it('a record this device saw acknowledged, missing from a newer manifest a sibling signed, is a fork naming the record', async () => {
    const t = await newTenant(env.db);
    // A signs once (its first sync), then not again within the hour: its k-2 is in no manifest.
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId), {}, 1000, 3_600_000);
    const b = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('k-1', { v: 1 });
    await a.client.sync();
    await b.client.sync();
    await a.edit('k-2', { title: 'acknowledged to A' });
    expect((await a.client.sync()).manifestSigned).toBe(false);
    // The server drops k-2; B's next write becomes the head, so B's pull looks whole and B signs without k-2.
    await env.db.asOwner((sql) => sql.query("DELETE FROM sync_records WHERE org_id = $1 AND record_id = 'k-2'", [t.orgId]), t.orgId);
    await b.edit('k-3', { v: 3 });
    expect((await b.client.sync()).manifestSigned).toBe(true);
    const err = await expectRollback(a.client.sync(), 'fork_detected');
    expect(err.details).toMatchObject({ recordId: 'k-2' });
    expect(err.message).toMatch(/acknowledged record k-2/);
  });

  it('the same sequence with a different manifest is a fork', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('s-1', { v: 1 });
    expect((await a.client.sync()).manifestSigned).toBe(true);
    await env.db.asOwner((sql) => sql.query('UPDATE sync_manifests SET hash = $2 WHERE org_id = $1', [t.orgId, 'ab'.repeat(32)]), t.orgId);
    const err = await expectRollback(a.client.sync(), 'fork_detected');
    expect(err.message).toMatch(/not the one this device verified/);
  });

  it('a device state from before manifest v2 adopts the v2 chain it first sees, then is held to it', async () => {
    const t = await newTenant(env.db);
    const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
    await a.edit('l-1', { v: 1 });
    expect((await a.client.sync()).manifestSigned).toBe(true);
    // B's stored state was written by the v1 client: a manifest seq, no hash.
    const state = new MemorySyncStateStore();
    await state.putMeta({ cursor: 0, highestSeq: 0, manifestSeq: 1 });
    const b = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId), { state });
    await b.client.sync();
    const [stored] = await env.db.asOwner((sql) => sql.query<{ hash: string }>('SELECT hash FROM sync_manifests WHERE org_id = $1', [t.orgId]), t.orgId);
    expect(await state.getMeta()).toMatchObject({ manifestSeq: 1, manifestHash: stored!.hash });
    await env.db.asOwner((sql) => sql.query('UPDATE sync_manifests SET hash = $2 WHERE org_id = $1', [t.orgId, 'cd'.repeat(32)]), t.orgId);
    await expectRollback(b.client.sync(), 'fork_detected');
  });

  it('the server refuses a v1 manifest, one that does not extend the stored one, and one at the stored seq', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const a = syncedDevice(dev);
    await a.edit('v-1', { v: 1 });
    await a.client.sync();
    await a.edit('v-2', { v: 2 });
    await a.client.sync();
    const ids = { orgId: dev.orgId, userId: dev.userId, deviceId: dev.deviceId };
    const [stored] = await env.db.asOwner((sql) => sql.query<{ seq: number; hash: string }>('SELECT seq, hash FROM sync_manifests WHERE org_id = $1', [t.orgId]), t.orgId);
    const seq = Number(stored!.seq);
    const v1 = await signManifest({ ...ids, seq, time: Date.now(), entries: [] }, dev.signer);
    const asV1 = { ...v1, manifest: { ...v1.manifest, v: 1 } } as unknown as SignedManifest;
    expect(
      await dev.api.putManifest(asV1).then(
        () => 'ok',
        (e: LatchkeyError) => e.code,
      ),
    ).toBe('invalid_input');
    const notExtending = await signManifest({ ...ids, seq, time: Date.now(), prev: 'ef'.repeat(32), entries: [] }, dev.signer);
    expect(
      await dev.api.putManifest(notExtending).then(
        () => 'ok',
        (e: LatchkeyError) => e.code,
      ),
    ).toBe('conflict');
    const sameSeq = await signManifest({ ...ids, seq, time: Date.now(), prev: stored!.hash, entries: [] }, dev.signer);
    expect(
      await dev.api.putManifest(sameSeq).then(
        () => 'ok',
        (e: LatchkeyError) => e.code,
      ),
    ).toBe('conflict');
  });
});
