/**
 * The admin device list (GET /v1/admin/orgs/ORG/devices, `latchkey server list-devices`)
 * on the real org server over real HTTP, on PGlite and on PostgreSQL when
 * DATABASE_URL_TEST is set: each device's last seen, how it enrolled and whether its
 * person or an admin revoked it (migration 008), the same values the person's own list
 * shows; another org's devices are never in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceLine, run as serverCli } from '../../../src/cli/commands/server';
import { addAdmin, listDevices, revokeDevice } from '../../../src/server/admin/admin';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import { REAL_PG_URL, enrolTestDevice, newTenant, openTestDatabase, startTestServer, type TestDevice } from './helpers';
import { capture } from './server-process';

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];

describe.each(KINDS)('the admin device list on %s', (kind) => {
  let db: Database;
  let server: RunningServer;
  let tmp = '';
  let tenant: { orgId: string; userId: string };
  let other: { orgId: string; userId: string };

  async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const c = capture();
    const code = await serverCli(args, c.io);
    return { code, out: c.out, err: c.err };
  }

  beforeAll(async () => {
    db = (await openTestDatabase(kind)).db;
    server = await startTestServer(db);
    tmp = mkdtempSync(join(tmpdir(), 'lk-admin-devices-'));
    const pub = (await cli(['admin-keygen', '--out', join(tmp, 'admin.key')])).out[0]!;
    await addAdmin(db, 'it-admin', pub);
    tenant = await newTenant(db);
    other = await newTenant(db, 'globex');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows last seen, how each device enrolled, and whether its person or an admin revoked it', async () => {
    const seen = await enrolTestDevice(server, tenant.orgId, tenant.userId, { name: 'Work laptop' });
    const lost = await enrolTestDevice(server, tenant.orgId, tenant.userId, { name: 'Lost phone' });
    const stolen = await enrolTestDevice(server, tenant.orgId, tenant.userId, { name: 'Stolen tablet' });
    const boxed = await enrolTestDevice(server, tenant.orgId, tenant.userId, { name: 'Boxed laptop' });
    const foreign = await enrolTestDevice(server, other.orgId, other.userId, { name: 'Globex desktop' });
    await foreign.api.myDevices();

    const byPerson = await seen.api.revokeMyDevice(lost.deviceId);
    await revokeDevice(db, tenant.orgId, stolen.deviceId);
    const own = (await seen.api.myDevices()).devices;
    const ownOf = (d: TestDevice) => own.find((x) => x.deviceId === d.deviceId)!;

    // Over the admin API: the CLI parses the answer with the route's strict schema.
    const listed = await cli(['list-devices', '--org', tenant.orgId, '--server', server.url, '--admin-key', join(tmp, 'admin.key')]);
    expect(listed.err).toEqual([]);
    expect(listed.code).toBe(0);
    // On the server host: the same rows.
    const rows = await listDevices(db, tenant.orgId);
    expect(listed.out).toEqual(rows.map(deviceLine));
    const row = (d: TestDevice) => rows.find((r) => r.deviceId === d.deviceId);

    expect(rows.map((r) => r.deviceId)).toEqual([seen, lost, stolen, boxed].map((d) => d.deviceId));
    expect(row(seen)).toMatchObject({ userId: tenant.userId, name: 'Work laptop', revoked: false, revokedAt: null, revokedBy: null, enrolledVia: 'code' });
    expect(row(seen)!.lastSeenAt).not.toBeNull();
    expect(row(seen)!.lastSeenAt).toBe(ownOf(seen).lastSeenAt);
    expect(row(seen)!.createdAt).toBe(ownOf(seen).enrolledAt);
    expect(row(lost)).toMatchObject({ revoked: true, revokedAt: byPerson.revokedAt, revokedBy: 'person', lastSeenAt: null });
    expect(row(stolen)).toMatchObject({ revoked: true, revokedAt: ownOf(stolen).revokedAt, revokedBy: 'admin' });
    expect(row(boxed)).toMatchObject({ revoked: false, lastSeenAt: null, revokedAt: null, revokedBy: null });
    // Another org's device, seen and active, is not in this org's list.
    expect(rows.some((r) => r.deviceId === foreign.deviceId)).toBe(false);
    expect((await listDevices(db, other.orgId)).map((r) => r.deviceId)).toEqual([foreign.deviceId]);

    // One line a device, the name last (it may hold spaces).
    expect(deviceLine(row(lost)!)).toBe(
      `${lost.deviceId}  user ${tenant.userId}  REVOKED ${byPerson.revokedAt} by person  enrolled ${row(lost)!.createdAt} by code  last seen never  Lost phone`,
    );
    expect(deviceLine(row(seen)!)).toBe(
      `${seen.deviceId}  user ${tenant.userId}  active  enrolled ${row(seen)!.createdAt} by code  last seen ${row(seen)!.lastSeenAt}  Work laptop`,
    );
  });
});
