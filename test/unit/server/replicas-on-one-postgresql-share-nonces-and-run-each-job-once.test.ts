/**
 * Three server replicas on one real PostgreSQL (each with its own connection pool,
 * HTTP listener and timers, as separate processes would have): a signed request
 * replayed to another replica is refused (device and admin requests alike, the nonces
 * live in PostgreSQL), a device enrolled through one replica syncs through another,
 * and a periodic job started on every replica at once runs once per period.
 * Skipped without DATABASE_URL_TEST (scripts/postgres.sh starts a throwaway one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { openDatabase } from '../../../src/server/db/open';
import type { Database } from '../../../src/server/db/db';
import { startServer, type RunningServer } from '../../../src/server/server';
import { runJobOnce } from '../../../src/server/jobs';
import { addAdmin } from '../../../src/server/admin/admin';
import { ADMIN_HEADERS, ADMIN_ROUTES, canonicalAdminRequest } from '../../../src/shared/contracts/admin';
import { ROUTES } from '../../../src/shared/contracts/sync';
import { REAL_PG_URL, createPgDatabase, enrolTestDevice, newTenant, rawRequest, signRequest } from './helpers';

const replicas: { db: Database; server: RunningServer }[] = [];

describe.skipIf(!REAL_PG_URL)('replicas on one PostgreSQL', () => {
  beforeAll(async () => {
    const url = await createPgDatabase();
    // Started together, as a deployment would: migrations serialise on their advisory lock.
    const dbs = await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: url })));
    for (const db of dbs) replicas.push({ db, server: await startServer({ db, checkpointIntervalMs: 0 }) });
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.server.close();
      await r.db.close();
    }
  });

  it('all replicas serve one server key and one data set', () => {
    const keys = new Set(replicas.map((r) => Buffer.from(r.server.key.publicKey).toString('hex')));
    expect(keys.size).toBe(1);
  });

  it('a device request replayed to another replica is refused', async () => {
    const [a, b, c] = replicas.map((r) => r.server) as [RunningServer, RunningServer, RunningServer];
    const t = await newTenant(a.db);
    const dev = await enrolTestDevice(a, t.orgId, t.userId);
    // Enrolled through A, served by B: the state is in PostgreSQL.
    expect(await rawRequest(b.url, 'GET', ROUTES.auditState, signRequest(dev, 'GET', ROUTES.auditState, ''))).toMatchObject({ status: 200 });

    const headers = signRequest(dev, 'GET', ROUTES.auditState, '');
    expect((await rawRequest(a.url, 'GET', ROUTES.auditState, headers)).status).toBe(200);
    for (const other of [b, c]) {
      const r = await rawRequest(other.url, 'GET', ROUTES.auditState, headers);
      expect(r.status).toBe(401);
      expect(r.json.error?.code).toBe('replayed_request');
    }
  });

  it('the same request sent to every replica at once is served once', async () => {
    const t = await newTenant(replicas[0]!.db);
    const dev = await enrolTestDevice(replicas[0]!.server, t.orgId, t.userId);
    const headers = signRequest(dev, 'GET', ROUTES.auditState, '');
    const answers = await Promise.all(replicas.flatMap((r) => [r, r]).map((r) => rawRequest(r.server.url, 'GET', ROUTES.auditState, headers)));
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
    expect(answers.filter((x) => x.json.error?.code === 'replayed_request')).toHaveLength(5);
  });

  it('an admin request replayed to another replica is refused', async () => {
    const sk = ed25519.utils.randomSecretKey();
    const pub = Buffer.from(ed25519.getPublicKey(sk)).toString('base64url');
    await addAdmin(replicas[0]!.db, 'ops', pub);
    const time = Date.now();
    const nonce = randomBytes(18).toString('base64url');
    const bodySha256 = createHash('sha256').update('').digest('hex');
    const sig = ed25519.sign(new TextEncoder().encode(canonicalAdminRequest({ method: 'GET', path: ADMIN_ROUTES.orgs, bodySha256, time, nonce, adminKey: pub })), sk);
    const headers = {
      [ADMIN_HEADERS.key]: pub,
      [ADMIN_HEADERS.time]: String(time),
      [ADMIN_HEADERS.nonce]: nonce,
      [ADMIN_HEADERS.signature]: Buffer.from(sig).toString('base64url'),
    };
    expect((await rawRequest(replicas[1]!.server.url, 'GET', ADMIN_ROUTES.orgs, headers)).status).toBe(200);
    const r = await rawRequest(replicas[2]!.server.url, 'GET', ADMIN_ROUTES.orgs, headers);
    expect(r.json.error?.code).toBe('replayed_request');
  });

  it('a periodic job ticking on every replica runs once per period, never two at a time', async () => {
    let runs = 0;
    let running = 0;
    let overlapped = false;
    const job = async () => {
      running++;
      if (running > 1) overlapped = true;
      runs++;
      await new Promise((r) => setTimeout(r, 150));
      running--;
    };
    const period = 1_500;
    const tick = () => Promise.all(replicas.map((r) => runJobOnce(r.db, 'checkpoints', period, job)));
    expect((await tick()).filter(Boolean)).toHaveLength(1);
    // Later ticks within the period (other replicas' timers) do not run it again.
    expect((await tick()).filter(Boolean)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, period));
    expect((await tick()).filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(2);
    expect(overlapped).toBe(false);
  });

  it('a job that fails is retried by the next tick on any replica', async () => {
    const period = 60_000;
    await expect(runJobOnce(replicas[0]!.db, 'nonce-purge', period, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    let ran = 0;
    expect(
      await runJobOnce(replicas[1]!.db, 'nonce-purge', period, async () => {
        ran++;
      }),
    ).toBe(true);
    expect(ran).toBe(1);
  });
});
