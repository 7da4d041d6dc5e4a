/**
 * The bounded load test (audit/scale issue): 3 `latchkey server start` processes on one
 * PostgreSQL, a client-side round-robin in front of them (any load balancer does the
 * same: the replicas are stateless), and simulated devices that push sync records and
 * audit batches for a fixed time, then stop by themselves. Afterwards it proves that no
 * record was lost or duplicated (every device's chain on the server is exactly what the
 * device wrote, every pushed change is stored once) and that every signed checkpoint is
 * consistent with the one before it (RFC 9162 proofs fetched through the replicas and
 * verified). Throughput and per-request p50/p99 latency go into the report.
 *
 * Devices: 500 in 5 organisations (100 in --quick: 20 s instead of 60 s). Each device
 * loops: append 8 audit records and seal them, upload (one request), push 2 new sync
 * records (one request), then wait 200–1,000 ms, as a person's device would not hammer.
 * Devices are created in the database directly (enrolment is rate-limited to 20 per
 * minute per address, and is not what this measures).
 *
 * There is no baseline: nothing else does this work. The figures are reported, not
 * compared; the loss/duplicate/consistency checks throw, so a broken run fails the bench.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { MemoryAuditStore, createAuditLog, type AuditLog } from '../src/core/audit';
import { verifyCheckpointConsistency } from '../src/core/audit/checkpoint';
import { toBase64url } from '../src/core/crypto/bytes';
import { createServerApi, uploadPendingAudit, type FetchLike, type ServerApi } from '../src/core/sync';
import { deviceIdForPublicKey } from '../src/core/sync/device-id';
import { createNodeEd25519Signer } from '../src/node/verify.node.js';
import { openDatabase } from '../src/server/db/open';
import { createOrg, createUser } from '../src/server/admin/admin';
import { listCheckpoints } from '../src/server/audit/checkpoints';
import type { Bench } from './lib/harness';
import { benchPostgres, freshPgDatabase } from './lib/postgres';
import { summarize } from './lib/stats';
import { spawnServer } from '../test/unit/server/server-process';

const REPLICAS = 3;
const ORGS = 5;
const RECORDS_PER_BATCH = 8;
const CHANGES_PER_PUSH = 2;
const WINDOW_MS = 5_000;

const fetchLike: FetchLike = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, text: () => res.text() };
};
const random = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SimDevice {
  readonly orgId: string;
  readonly deviceId: string;
  /** One API per replica; requests go round-robin. */
  readonly apis: readonly ServerApi[];
  readonly log: AuditLog;
  appended: number;
  pushed: number;
  turn: number;
}

export default async function replicas(bench: Bench): Promise<void> {
  const title = `Org server — ${REPLICAS} replicas on one PostgreSQL (bounded load test)`;
  const pgServer = await benchPostgres();
  if ('unavailable' in pgServer) {
    await bench.section(title, () => bench.skip('load test', pgServer.unavailable));
    return;
  }
  // LATCHKEY_LOAD_DEVICES / LATCHKEY_LOAD_SECONDS: a smaller smoke run while working on it.
  const devicesN = Number(process.env.LATCHKEY_LOAD_DEVICES) || (bench.quick ? 100 : 500);
  const seconds = Number(process.env.LATCHKEY_LOAD_SECONDS) || (bench.quick ? 20 : 60);
  const children: ChildProcess[] = [];
  const url = await freshPgDatabase(pgServer.url, 'lk_load');
  const db = await openDatabase({ databaseUrl: url });
  try {
    const replicaUrls = (await Promise.all(Array.from({ length: REPLICAS }, () => spawnServer({ databaseUrl: url }, ['--checkpoint-seconds', '2'], children)))).map((r) => r.url);
    const devices = await createDevices(db, devicesN, replicaUrls);

    const latency = { audit: [] as number[], push: [] as number[] };
    const windows: { records: number; changes: number }[] = [];
    let failures = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    const windowOf = (t: number) => {
      const i = Math.floor((t - t0) / WINDOW_MS);
      while (windows.length <= i) windows.push({ records: 0, changes: 0 });
      return windows[i]!;
    };
    const timed = async <T>(into: number[], f: () => Promise<T>): Promise<T | undefined> => {
      const s = performance.now();
      try {
        const out = await f();
        into.push(performance.now() - s);
        return out;
      } catch {
        failures++;
        return undefined;
      }
    };

    await Promise.all(
      devices.map(async (d) => {
        await sleep(Math.random() * 1000);
        while (performance.now() < end) {
          for (let i = 0; i < RECORDS_PER_BATCH; i++) {
            await d.log.append({
              action: 'credential.use',
              actor: { type: 'agent', id: 'load' },
              target: { itemId: 'L'.repeat(22), origin: 'https://api.example.com', tool: 'http_request' },
              outcome: 'success',
            });
            d.appended++;
          }
          await d.log.seal();
          const api = d.apis[d.turn++ % d.apis.length]!;
          const up = await timed(latency.audit, () => uploadPendingAudit(api, d.log, 1_000));
          if (up !== undefined) windowOf(performance.now()).records += up;
          const changes = Array.from({ length: CHANGES_PER_PUSH }, () => ({
            changeId: toBase64url(random.bytes(16)),
            id: `load-${d.deviceId.slice(0, 8)}-${d.pushed++}`,
            baseVersion: 0,
            deleted: false,
            ciphertext: toBase64url(random.bytes(256)),
          }));
          const pushed = await timed(latency.push, () => d.apis[d.turn++ % d.apis.length]!.push(changes));
          if (pushed === undefined) d.pushed -= CHANGES_PER_PUSH;
          else windowOf(performance.now()).changes += pushed.results.filter((r) => r.status === 'applied').length;
          await sleep(200 + Math.random() * 800);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;

    // Whatever failed during the run is retried now: a device keeps its pending records.
    for (const d of devices) await uploadPendingAudit(d.apis[0]!, d.log, 1_000);
    const check = await checkAfterwards(db, devices);

    await bench.section(title, () => {
      const base = `${devicesN} devices in ${ORGS} orgs, ${seconds} s`;
      const full = windows.slice(0, Math.floor((seconds * 1000) / WINDOW_MS));
      bench.record({
        name: `audit records accepted per second (${base}, ${WINDOW_MS / 1000}-s windows)`,
        unit: 'records/s',
        subjectName: `${REPLICAS} replicas, round-robin`,
        samples: full.map((w) => w.records / (WINDOW_MS / 1000)),
      });
      bench.record({
        name: `sync changes stored per second (${base}, ${WINDOW_MS / 1000}-s windows)`,
        unit: 'records/s',
        subjectName: `${REPLICAS} replicas, round-robin`,
        samples: full.map((w) => w.changes / (WINDOW_MS / 1000)),
      });
      bench.record({
        name: `audit upload request latency (${RECORDS_PER_BATCH} records + a seal)`,
        unit: 'ms',
        subjectName: 'POST /v1/audit/records through a replica',
        samples: latency.audit,
      });
      bench.record({
        name: `sync push request latency (${CHANGES_PER_PUSH} new records)`,
        unit: 'ms',
        subjectName: 'POST /v1/sync/push through a replica',
        samples: latency.push,
      });
      bench.note(
        `Afterwards: ${check.records.toLocaleString('en-US')} audit records and ${check.changes.toLocaleString('en-US')} sync records on the server, each exactly what its device wrote — 0 lost, 0 duplicated; ` +
          `${check.checkpoints} signed checkpoints, each proved consistent with the one before (${check.proofs} RFC 9162 proofs fetched through the replicas and verified). ` +
          `${latency.audit.length + latency.push.length} requests in ${elapsed.toFixed(1)} s, ${failures} failed during the run (retried after it). ` +
          `Latency (wall): audit upload p50 ${ms(latency.audit, 'p50')}, p99 ${ms(latency.audit, 'p99')}; sync push p50 ${ms(latency.push, 'p50')}, p99 ${ms(latency.push, 'p99')}. ` +
          'Load generator, the 3 replicas and PostgreSQL share this machine.',
      );
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await db.close().catch(() => undefined);
    await pgServer.stop();
  }
}

async function createDevices(db: Awaited<ReturnType<typeof openDatabase>>, n: number, replicaUrls: readonly string[]): Promise<SimDevice[]> {
  const orgs: { orgId: string; userId: string }[] = [];
  for (let i = 0; i < ORGS; i++) {
    const { orgId } = await createOrg(db, `load-${i}`);
    const { userId } = await createUser(db, orgId, 'person');
    orgs.push({ orgId, userId });
  }
  const out: SimDevice[] = [];
  for (let i = 0; i < n; i++) {
    const { orgId, userId } = orgs[i % ORGS]!;
    const sk = ed25519.utils.randomSecretKey();
    const signer = createNodeEd25519Signer(sk);
    const deviceId = deviceIdForPublicKey(signer.publicKey);
    await db.asTenant(orgId, (sql) =>
      sql.query('INSERT INTO devices (org_id, id, user_id, name, public_key) VALUES ($1, $2, $3, $4, $5)', [orgId, deviceId, userId, `load ${i}`, toBase64url(signer.publicKey)]),
    );
    const identity = { orgId, userId, deviceId };
    const apis = replicaUrls.map((baseUrl) => createServerApi({ baseUrl, fetch: fetchLike, random, signer, clock: { now: Date.now }, identity }));
    const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId, sealEvery: { records: 1_000_000, ms: 3_600_000 } });
    out.push({ orgId, deviceId, apis, log, appended: 0, pushed: 0, turn: i });
  }
  return out;
}

/** Throws on any loss, duplicate or inconsistent checkpoint. */
async function checkAfterwards(db: Awaited<ReturnType<typeof openDatabase>>, devices: readonly SimDevice[]) {
  let records = 0;
  let changes = 0;
  for (const orgId of new Set(devices.map((d) => d.orgId))) {
    const rows = await db.asTenant(orgId, (sql) =>
      sql.query<{ device_id: string; n: string; lo: string; hi: string; distinct_seq: string }>(
        'SELECT device_id, count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS distinct_seq FROM audit_records WHERE org_id = $1 GROUP BY device_id',
        [orgId],
      ),
    );
    const byDevice = new Map(rows.map((r) => [r.device_id, r] as const));
    for (const d of devices.filter((x) => x.orgId === orgId)) {
      const r = byDevice.get(d.deviceId);
      const ok = r && Number(r.n) === d.appended && Number(r.lo) === 1 && Number(r.hi) === d.appended && Number(r.distinct_seq) === d.appended;
      if (!ok)
        throw new Error(`device ${d.deviceId}: wrote ${d.appended} audit records, the server holds ${r ? `${r.n} (seq ${r.lo}–${r.hi}, ${r.distinct_seq} distinct)` : 'none'}`);
      records += d.appended;
    }
    const sync = await db.asTenant(orgId, (sql) =>
      sql.query<{ n: string; ids: string }>("SELECT count(*) AS n, count(DISTINCT record_id) AS ids FROM sync_records WHERE org_id = $1 AND record_id LIKE 'load-%'", [orgId]),
    );
    const want = devices.filter((x) => x.orgId === orgId).reduce((s, d) => s + d.pushed, 0);
    if (Number(sync[0]!.n) !== want || Number(sync[0]!.ids) !== want)
      throw new Error(`org ${orgId}: pushed ${want} sync records, the server holds ${sync[0]!.n} (${sync[0]!.ids} distinct)`);
    changes += want;
  }

  // Let the checkpoint job (every 2 s, on one replica at a time) cover the final log.
  let checkpoints = 0;
  let proofs = 0;
  for (const orgId of new Set(devices.map((d) => d.orgId))) {
    const device = devices.find((d) => d.orgId === orgId)!;
    const want = devices.filter((d) => d.orgId === orgId).reduce((s, d) => s + d.appended, 0);
    let cps = await listCheckpoints(db, orgId);
    for (let i = 0; i < 30 && cps[cps.length - 1]?.size !== want; i++) {
      await sleep(500);
      cps = await listCheckpoints(db, orgId);
    }
    if (cps[cps.length - 1]?.size !== want) throw new Error(`org ${orgId}: no checkpoint covers all ${want} records`);
    const serverKey = (await device.apis[0]!.checkpoint()).serverPublicKey;
    for (let i = 1; i < cps.length; i++) {
      const api = device.apis[i % device.apis.length]!;
      const proof = await api.consistency(cps[i - 1]!.size, cps[i]!.size);
      const v = verifyCheckpointConsistency(
        proof.older,
        proof.newer,
        { oldSize: proof.oldSize, newSize: proof.newSize, path: proof.path },
        { serverKeys: [fromB64u(serverKey)], log: orgId },
      );
      if (!v.ok) throw new Error(`org ${orgId}: checkpoint ${cps[i]!.size} is not consistent with ${cps[i - 1]!.size}: ${v.message}`);
      proofs++;
    }
    checkpoints += cps.length;
  }
  return { records, changes, checkpoints, proofs };
}

function ms(samples: readonly number[], stat: 'p50' | 'p99'): string {
  return `${summarize(samples)[stat].toFixed(1)} ms`;
}

function fromB64u(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}
