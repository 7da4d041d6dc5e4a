/**
 * Fixtures for the break-glass tests: one org server (PGlite, or the real PostgreSQL
 * named by DATABASE_URL_TEST) with an admin key, a tenant whose admins ran the
 * ceremony through the real `latchkey server break-glass init`, real synced devices
 * under a managed policy, and the `recover` command the tests run again and again with
 * different shares. A refusal must change nothing on the server: refusedUnchanged
 * compares the person's server state before and after.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run as serverCli } from '../../../src/cli/commands/server';
import { personalPolicy } from '../../../src/core/policy';
import type { EngineEvent } from '../../../src/core/engine-types';
import { addAdmin } from '../../../src/server/admin/admin';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import type { EffectivePolicy, BreakGlassPolicy } from '../../../src/shared/policy';
import type { SyncedDevice } from '../../../src/core/vault-sync/device.dexie';
import { newTenant, openTestDatabase, startTestServer } from '../server/helpers';
import { capture } from '../server/server-process';
import { vaultDevice } from './devices';

export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

export type TestDevice = SyncedDevice & { events: EngineEvent[] };

export async function cli(args: string[]): Promise<CliRun> {
  const c = capture();
  const code = await serverCli(args, c.io);
  return { code, out: c.out, err: c.err };
}

export function managed(bg?: BreakGlassPolicy): EffectivePolicy {
  return { ...personalPolicy(), managed: true, orgName: 'Acme', policy: { version: 1, org: { name: 'Acme' }, ...(bg ? { recovery: { breakGlass: bg } } : {}) } };
}

async function readServerState(db: Database, orgId: string, userId: string) {
  return db.asOwner(async (sql) => ({
    records: await sql.query<{ record_id: string; version: number; ciphertext: string }>(
      'SELECT record_id, version, ciphertext FROM sync_records WHERE org_id = $1 AND user_id = $2 ORDER BY record_id',
      [orgId, userId],
    ),
    head: Number((await sql.query<{ head_seq: number }>('SELECT head_seq FROM sync_heads WHERE org_id = $1 AND user_id = $2', [orgId, userId]))[0]!.head_seq),
    recoveries: await sql.query<{ slot_id: string; admins: string }>('SELECT slot_id, admins FROM break_glass_recoveries WHERE org_id = $1', [orgId]),
  }));
}
export type ServerState = Awaited<ReturnType<typeof readServerState>>;

export interface BreakGlassOrg {
  readonly db: Database;
  readonly server: RunningServer;
  readonly tmp: string;
  readonly adminKey: string;
  /** The tenant whose admins ran the ceremony. */
  readonly t: { orgId: string; userId: string };
  /** The policy block the ceremony printed. */
  readonly bg: BreakGlassPolicy;
  /** `--server URL --admin-key FILE` for admin commands. */
  target(): string[];
  /** The share file the ceremony wrote for this admin. */
  shareOf(admin: string): string;
  /** `latchkey server break-glass recover` for a person with these admins' shares (and any other share files). */
  recover(orgId: string, userId: string, admins: readonly string[], otherFiles?: readonly string[]): Promise<CliRun>;
  /** The person's records, sync head and the org's recoveries as the server holds them. */
  serverState(orgId: string, userId: string): Promise<ServerState>;
  /** A device enrolled for the person, composed as the app does, under this policy. */
  device(orgId: string, userId: string, policy: () => EffectivePolicy): Promise<TestDevice>;
  close(): Promise<void>;
}

export async function startBreakGlassOrg(admins: readonly string[], threshold: number): Promise<BreakGlassOrg> {
  const db = (await openTestDatabase()).db;
  const server = await startTestServer(db);
  const tmp = mkdtempSync(join(tmpdir(), 'lk-breakglass-'));
  const adminKey = join(tmp, 'it-admin.key');
  const target = () => ['--server', server.url, '--admin-key', adminKey];
  const pub = (await cli(['admin-keygen', '--out', adminKey])).out[0]!;
  await addAdmin(db, 'it-admin', pub);
  const t = await newTenant(db);
  const shares = join(tmp, 'shares');
  mkdirSync(shares);
  const init = await cli(['break-glass', 'init', '--org', t.orgId, '--threshold', String(threshold), ...admins.flatMap((a) => ['--admin', a]), '--out-dir', shares, ...target()]);
  expect(init.err.join('\n')).not.toMatch(/failed/);
  expect(init.code).toBe(0);
  const bg = (JSON.parse(init.out.join('\n')) as { recovery: { breakGlass: BreakGlassPolicy } }).recovery.breakGlass;
  const shareOf = (admin: string) => join(shares, `${admin}.share.json`);
  const open: SyncedDevice[] = [];

  return {
    db,
    server,
    tmp,
    adminKey,
    t,
    bg,
    target,
    shareOf,
    recover: (orgId, userId, withShares, otherFiles = []) =>
      cli(['break-glass', 'recover', '--org', orgId, '--person', userId, ...[...withShares.map(shareOf), ...otherFiles].flatMap((f) => ['--share', f]), ...target()]),
    serverState: (orgId, userId) => readServerState(db, orgId, userId),
    async device(orgId, userId, policy) {
      const d = await vaultDevice(server, orgId, userId, policy);
      open.push(d);
      const events: EngineEvent[] = [];
      d.engine.subscribe((e) => events.push(e));
      return { ...d, events };
    },
    async close() {
      for (const d of open) d.close();
      await server.close();
      await db.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Runs a command that must be refused (exit 1) and checks the person's server state did not change. */
export async function refusedUnchanged(org: BreakGlassOrg, orgId: string, userId: string, run: () => Promise<CliRun>): Promise<CliRun> {
  const before = await org.serverState(orgId, userId);
  const r = await run();
  expect(r.code).toBe(1);
  expect(await org.serverState(orgId, userId)).toEqual(before);
  return r;
}
