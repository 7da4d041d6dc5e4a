/**
 * The server process is SIGKILLed while a push is in flight, then restarted on the
 * same storage (on-disk PGlite; and real PostgreSQL when DATABASE_URL_TEST is set).
 * The client replays its outbox: every record ends up on the server exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/server/db/open';
import { createOrg, createUser, issueEnrolCode } from '../../../src/server/admin/admin';
import { MemoryQueueStore, MemorySyncStateStore, createServerApi, createSyncClient, enrolDevice, type FetchLike } from '../../../src/core/sync';
import { REAL_PG_URL, createPgDatabase, newSigner, nodeFetch, nodeRandom } from './helpers';
import { killHard, spawnServer as spawnServerProcess, type Storage } from './server-process';

const spawnServer = (storage: Storage) => spawnServerProcess(storage, [], children);

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];

describe.each(KINDS)('server killed mid-push (%s)', (kind) => {
  it('after a restart the outbox replays and every record is stored exactly once', async () => {
    let storage: Storage;
    if (kind === 'pg') storage = { databaseUrl: await createPgDatabase() };
    else {
      const dir = mkdtempSync(join(tmpdir(), 'lk-kill-'));
      dirs.push(dir);
      storage = { dataDir: join(dir, 'pgdata') };
    }
    // Admin setup while the server is down (an on-disk PGlite admits one process).
    const adminDb = await openDatabase(storage);
    const { orgId } = await createOrg(adminDb, 'acme');
    const { userId } = await createUser(adminDb, orgId, 'alice');
    const { code } = await issueEnrolCode(adminDb, orgId, userId);
    await adminDb.close();

    let { url, child } = await spawnServer(storage);
    const signer = newSigner();
    const enrolled = await enrolDevice({ baseUrl: url, fetch: nodeFetch }, code, signer.publicKey, 'laptop');
    const identity = { orgId: enrolled.orgId, userId: enrolled.userId, deviceId: enrolled.deviceId };
    const queue = new MemoryQueueStore();
    const state = new MemorySyncStateStore();
    let pushSent: (() => void) | undefined;
    const fetchWatching: FetchLike = (u, init) => {
      if (init.method === 'POST' && u.endsWith('/v1/sync/push')) pushSent?.();
      return nodeFetch(u, init);
    };
    const client = (baseUrl: string) =>
      createSyncClient({
        api: createServerApi({ baseUrl, fetch: fetchWatching, clock: { now: Date.now }, random: nodeRandom, signer, identity }),
        queue,
        state,
        signer,
        clock: { now: Date.now },
        random: nodeRandom,
        applyRemote: async () => undefined,
        resolveConflict: async () => {
          throw new Error('no conflict expected');
        },
      });

    const total = 1200; // three pushes of 500/500/200
    const filler = 'A'.repeat(2000);
    for (let i = 0; i < total; i++) await client(url).enqueue({ id: `rec-${i}`, deleted: false, ciphertext: Buffer.from(`${filler}${i}`).toString('base64url') });

    // Kill while pushes are in flight: once right as the first push leaves, once a little later.
    const outcomes: string[] = [];
    for (const delayMs of [0, 40]) {
      const sent = new Promise<void>((r) => {
        pushSent = r;
      });
      const syncing = client(url)
        .sync()
        .then(
          () => 'finished',
          () => 'failed',
        );
      await sent;
      pushSent = undefined;
      await new Promise((r) => setTimeout(r, delayMs));
      await killHard(child);
      outcomes.push(await syncing);
      ({ url, child } = await spawnServer(storage));
    }
    // The kill did interrupt a sync in progress (not one that had already finished).
    expect(outcomes).toContain('failed');
    const report = await client(url).sync();
    expect(await queue.list()).toEqual([]);

    const api = createServerApi({ baseUrl: url, fetch: nodeFetch, clock: { now: Date.now }, random: nodeRandom, signer, identity });
    const seen = new Map<string, number>();
    let cursor = 0;
    for (;;) {
      const page = await api.pull(cursor, 1000);
      for (const r of page.records) {
        expect(seen.has(r.id)).toBe(false);
        seen.set(r.id, r.version);
        expect(Buffer.from(r.ciphertext, 'base64url').toString()).toBe(`${filler}${r.id.slice(4)}`);
      }
      cursor = page.nextCursor;
      if (!page.hasMore) {
        // No change was applied twice: one change per record, versions all 1.
        expect(page.headSeq).toBe(total);
        break;
      }
    }
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((v) => v === 1)).toBe(true);
    expect(report.headSeq).toBe(total);
    await killHard(child);
  }, 300_000);
});
