/**
 * Sync benchmarks over real HTTP on 127.0.0.1: initial sync of a 10k-item vault on a
 * new device, and incremental sync of one change, on PGlite and (when
 * DATABASE_URL_TEST is set) real PostgreSQL. Each figure sits beside a baseline
 * measured in the same run on the same database: plain unsigned SQL on the same rows.
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Bench } from './lib/harness';
import { openDatabase } from '../src/server/db/open';
import type { Database } from '../src/server/db/db';
import { startServer } from '../src/server/server';
import { createOrg, createUser, issueEnrolCode } from '../src/server/admin/admin';
import { MemoryQueueStore, MemorySyncStateStore, createServerApi, createSyncClient, enrolDevice, type FetchLike } from '../src/core/sync';
import type { SyncRecord } from '../src/shared/contracts/sync';
import { freshPgDatabase } from './lib/postgres';

const ITEMS = 10_000;
const CIPHERTEXT = () => randomBytes(450).toString('base64url'); // ~600 chars, a typical item
const fetchLike: FetchLike = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, text: () => res.text() };
};
const random = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

async function device(url: string, db: Database, orgId: string, userId: string) {
  const { code } = await issueEnrolCode(db, orgId, userId);
  const sk = ed25519.utils.randomSecretKey();
  const signer = { publicKey: ed25519.getPublicKey(sk), sign: (m: Uint8Array) => ed25519.sign(m, sk) };
  const e = await enrolDevice({ baseUrl: url, fetch: fetchLike }, code, signer.publicKey, 'bench');
  const api = createServerApi({ baseUrl: url, fetch: fetchLike, clock: { now: Date.now }, random, signer, identity: { orgId: e.orgId, userId: e.userId, deviceId: e.deviceId } });
  const items = new Map<string, string>();
  const client = createSyncClient({
    api,
    queue: new MemoryQueueStore(),
    state: new MemorySyncStateStore(),
    signer,
    clock: { now: Date.now },
    random,
    applyRemote: async (rs: readonly SyncRecord[]) => {
      for (const r of rs) items.set(r.id, r.ciphertext);
    },
    resolveConflict: async () => ({ kind: 'take-remote' }),
  });
  return { client, items };
}

async function benchOn(bench: Bench, label: string, db: Database): Promise<void> {
  const server = await startServer({ db, checkpointIntervalMs: 0, rateLimitPerMinute: 1_000_000 });
  try {
    const { orgId } = await createOrg(db, 'bench');
    const rows = Array.from({ length: ITEMS }, (_, i) => ({ id: `item-${String(i).padStart(6, '0')}`, c: CIPHERTEXT() }));
    const n = ITEMS.toLocaleString('en-US');
    await db.asOwner((sql) => sql.query('CREATE TABLE IF NOT EXISTS bench_plain (id text PRIMARY KEY, c text NOT NULL)'));
    const plainInsert = () => db.asOwner((sql) => sql.query('INSERT INTO bench_plain SELECT * FROM unnest($1::text[], $2::text[])', [rows.map((r) => r.id), rows.map((r) => r.c)]));
    const goal = (value: number) => [{ metric: 'wall' as const, stat: 'p50' as const, op: '<=' as const, value, unit: 'ms' as const, source: 'sync issue' }];

    // First upload: each round a new user's first device uploads the whole vault.
    let a: Awaited<ReturnType<typeof device>> | undefined;
    let userId = '';
    let users = 0;
    await bench.compare({
      name: `first upload of ${n} items (${label})`,
      unit: 'ms',
      rounds: bench.rounds(5),
      warmup: 0,
      subject: {
        name: 'first device: signed pushes of 500 + manifest',
        before: async () => {
          userId = (await createUser(db, orgId, `user-${users++}`)).userId;
          a = await device(server.url, db, orgId, userId);
          for (const r of rows) await a.client.enqueue({ id: r.id, deleted: false, ciphertext: r.c });
        },
        run: () => a!.client.sync(),
      },
      baseline: {
        name: 'unsigned bulk INSERT of the same rows (no HTTP, no CAS, no signing)',
        before: () => db.asOwner((sql) => sql.query('TRUNCATE bench_plain')),
        run: plainInsert,
      },
    });
    // Initial sync: each round a new device of the last user pulls everything.
    let b: Awaited<ReturnType<typeof device>> | undefined;
    await bench.compare({
      name: `initial sync, new device pulls ${n} items (${label})`,
      unit: 'ms',
      rounds: bench.rounds(5),
      warmup: 0,
      subject: {
        name: 'new device: signed paged pulls of 1,000 + manifest verification',
        before: async () => {
          b = await device(server.url, db, orgId, userId);
        },
        run: () => b!.client.sync(),
        after: () => {
          if (b!.items.size !== ITEMS) throw new Error(`initial sync got ${b!.items.size} items`);
        },
      },
      baseline: {
        name: 'unsigned SELECT of the same rows',
        run: () => db.asOwner((sql) => sql.query('SELECT id, c FROM bench_plain')),
        after: (r: unknown[]) => {
          if (r.length !== ITEMS) throw new Error('baseline read');
        },
      },
      goals: goal(3000),
    });
    let k = 0;
    let lastId = '';
    let lastC = '';
    const change = async () => {
      lastId = rows[(k++ * 7) % ITEMS]!.id;
      lastC = CIPHERTEXT();
      await a!.client.enqueue({ id: lastId, deleted: false, ciphertext: lastC });
    };
    const plainUpdate = { name: 'unsigned UPDATE of that row', run: () => db.asOwner((sql) => sql.query('UPDATE bench_plain SET c = $2 WHERE id = $1', [lastId, lastC])) };
    await bench.compare({
      name: `incremental sync, editing device pushes 1 change, manifest not due (${label})`,
      unit: 'ms',
      rounds: bench.rounds(15, 7),
      subject: { name: 'a.sync() after one edit', before: change, run: () => a!.client.sync() },
      baseline: plainUpdate,
      goals: goal(50),
    });
    await bench.compare({
      name: `incremental sync, other device receives 1 change (${label})`,
      unit: 'ms',
      rounds: bench.rounds(15, 7),
      subject: {
        name: 'b.sync() after the other device pushed one edit',
        before: async () => {
          await change();
          await a!.client.sync();
        },
        run: () => b!.client.sync(),
        after: () => {
          if (b!.items.get(lastId) !== lastC) throw new Error('incremental change not received');
        },
      },
      baseline: plainUpdate,
      goals: goal(50),
    });
    await bench.compare({
      name: `sync when the manifest is due: sign + upload ${n} entries (${label})`,
      unit: 'ms',
      rounds: bench.rounds(5),
      subject: { name: 'a.sync({ signManifest: true }) after one edit', before: change, run: () => a!.client.sync({ signManifest: true }) },
      baseline: plainUpdate,
    });
    await bench.compare({
      name: `sync receiving a new manifest: fetch + verify ${n} entries (${label})`,
      unit: 'ms',
      rounds: bench.rounds(5),
      subject: {
        name: 'b.sync() after a new manifest',
        before: async () => {
          await change();
          await a!.client.sync({ signManifest: true });
        },
        run: () => b!.client.sync(),
      },
      baseline: plainUpdate,
    });
  } finally {
    await server.close();
  }
}

export default async function syncBench(bench: Bench): Promise<void> {
  const lite = await openDatabase();
  try {
    await bench.section('Sync — PGlite', () => benchOn(bench, 'PGlite', lite));
  } finally {
    await lite.close();
  }
  const base = process.env.DATABASE_URL_TEST;
  if (!base) {
    await bench.section('Sync — PostgreSQL', () => bench.skip('PostgreSQL rows', 'DATABASE_URL_TEST is not set (point it at a PostgreSQL server to add them)'));
    return;
  }
  const db = await openDatabase({ databaseUrl: await freshPgDatabase(base) });
  try {
    await bench.section('Sync — PostgreSQL', () => benchOn(bench, 'PostgreSQL', db));
  } finally {
    await db.close();
  }
}
