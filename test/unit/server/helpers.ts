/**
 * Shared test fixtures for the org server: a real server on 127.0.0.1 over real HTTP,
 * on PGlite (in memory, shared per test file: it takes seconds to start) or, when
 * DATABASE_URL_TEST is set, on a fresh database of that real PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { ed25519 } from '@noble/curves/ed25519.js';
import { openDatabase } from '../../../src/server/db/open';
import type { Database } from '../../../src/server/db/db';
import { startServer, type RunningServer } from '../../../src/server/server';
import { createOrg, createUser, issueEnrolCode } from '../../../src/server/admin/admin';
import { createServerApi, enrolDevice, type FetchLike, type ServerApi } from '../../../src/core/sync';
import type { DeviceSigner } from '../../../src/core/sync';
import { SIGNED_HEADERS, canonicalRequest } from '../../../src/shared/contracts/sync';

export const REAL_PG_URL = process.env.DATABASE_URL_TEST;

/** A fresh database: PGlite in memory, or a new database on the real PostgreSQL. */
export async function openTestDatabase(kind: 'pglite' | 'pg' = REAL_PG_URL ? 'pg' : 'pglite'): Promise<{ db: Database; url?: string }> {
  if (kind === 'pglite') return { db: await openDatabase() };
  const url = await createPgDatabase();
  return { db: await openDatabase({ databaseUrl: url }), url };
}

/** Databases this test file created on DATABASE_URL_TEST: dropped when the file ends. */
const createdPgDatabases = new Set<string>();

async function withPgAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  if (!REAL_PG_URL) throw new Error('DATABASE_URL_TEST is not set');
  const admin = new pg.Client({ connectionString: REAL_PG_URL });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

/** Creates an empty database on DATABASE_URL_TEST and returns its URL; it is dropped after the test file. */
export async function createPgDatabase(): Promise<string> {
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  await withPgAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  createdPgDatabases.add(name);
  const u = new URL(REAL_PG_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops a test database even while something still holds a connection to it (a server
 * process a test killed, a pool a failed test never closed): WITH (FORCE) ends those
 * sessions in the same statement (PostgreSQL 13+, scripts/postgres.sh runs 15).
 */
export async function dropPgDatabase(name: string): Promise<void> {
  if (!/^lk_test_[0-9a-f]{12}$/.test(name)) throw new Error(`not a test database: ${name}`);
  await withPgAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  createdPgDatabases.delete(name);
}

/**
 * The end-of-file drop, without FORCE: ending another session here would hand its pool in
 * this very process (one a test leaked) an error event nobody listens to, and crash the
 * worker. A database still in use is left to the run's global teardown
 * (test/unit/server/drop-test-databases.global.ts), which runs after every worker is gone.
 */
export async function dropIfUnused(name: string): Promise<void> {
  try {
    await withPgAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name}`));
  } catch (e) {
    if ((e as { code?: string }).code !== '55006') throw e; // object_in_use
  }
  createdPgDatabases.delete(name);
}

// Registered when a test file imports this module, so on that file's root suite; hooks
// run as a stack, so this runs after the file's own afterAll hooks have closed its pools.
afterAll(async () => {
  for (const name of [...createdPgDatabases]) await dropIfUnused(name);
});

export const nodeFetch: FetchLike = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, text: () => res.text() };
};

export function newSigner(): DeviceSigner & { secretKey: Uint8Array } {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey), sign: (m) => ed25519.sign(m, secretKey) };
}

export const nodeRandom = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

export interface TestDevice {
  readonly api: ServerApi;
  readonly signer: DeviceSigner & { secretKey: Uint8Array };
  readonly orgId: string;
  readonly userId: string;
  readonly deviceId: string;
}

export async function enrolTestDevice(server: { url: string; db: Database }, orgId: string, userId: string, opts: { now?: () => number; name?: string } = {}): Promise<TestDevice> {
  const { code } = await issueEnrolCode(server.db, orgId, userId);
  const signer = newSigner();
  const r = await enrolDevice({ baseUrl: server.url, fetch: nodeFetch }, code, signer.publicKey, opts.name ?? 'test device');
  const api = createServerApi({
    baseUrl: server.url,
    fetch: nodeFetch,
    random: nodeRandom,
    signer,
    clock: { now: opts.now ?? Date.now },
    identity: { orgId: r.orgId, userId: r.userId, deviceId: r.deviceId },
  });
  return { api, signer, orgId: r.orgId, userId: r.userId, deviceId: r.deviceId };
}

/** An org with one person. */
export async function newTenant(db: Database, name = 'acme'): Promise<{ orgId: string; userId: string }> {
  const { orgId } = await createOrg(db, name);
  const { userId } = await createUser(db, orgId, 'alice');
  return { orgId, userId };
}

export async function startTestServer(db: Database, extra: { now?: () => number; rateLimitPerMinute?: number } = {}): Promise<RunningServer> {
  return startServer({ db, checkpointIntervalMs: 0, ...extra });
}

/**
 * One fresh test database and one server on it for the whole test file: registers the
 * file's beforeAll (open, start) and afterAll (close both). Read `db` and `server` on
 * the returned object from inside tests and hooks: they are set by beforeAll.
 */
export function useTestServer(): { readonly db: Database; readonly server: RunningServer } {
  const env = {} as { db: Database; server: RunningServer };
  beforeAll(async () => {
    env.db = (await openTestDatabase()).db;
    env.server = await startTestServer(env.db);
  });
  afterAll(async () => {
    await env.server?.close();
    await env.db?.close();
  });
  return env;
}

/** Builds the exact headers of a signed request (so a test can replay or alter it). */
export function signRequest(
  dev: { orgId: string; deviceId: string; signer: { secretKey: Uint8Array } },
  method: string,
  path: string,
  body: string,
  opts: { time?: number; nonce?: string } = {},
): Record<string, string> {
  const time = opts.time ?? Date.now();
  const nonce = opts.nonce ?? randomBytes(18).toString('base64url');
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  const msg = canonicalRequest({ method, path, bodySha256, time, nonce, orgId: dev.orgId, deviceId: dev.deviceId });
  const sig = ed25519.sign(new TextEncoder().encode(msg), dev.signer.secretKey);
  return {
    [SIGNED_HEADERS.org]: dev.orgId,
    [SIGNED_HEADERS.device]: dev.deviceId,
    [SIGNED_HEADERS.time]: String(time),
    [SIGNED_HEADERS.nonce]: nonce,
    [SIGNED_HEADERS.signature]: Buffer.from(sig).toString('base64url'),
    ...(body === '' ? {} : { 'content-type': 'application/json' }),
  };
}

export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await fetch(baseUrl + path, body === undefined || body === '' ? { method, headers } : { method, headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}
