/**
 * The engine worker's enrolled composition (src/renderer/engine/device-sync.ts), run in
 * Node on fake-indexeddb against a REAL org server, with main's REAL device service on
 * the other end of a MessagePort: the worker holds no device key and no server URL, yet
 * its vault records push and its signed audit records upload and are accepted. When
 * main says "not enrolled" the worker still gets the device's identity (personal mode:
 * a signed log); with no main it gets none; a main that does not answer is "broken"
 * (the engine then refuses what it would have recorded).
 */
import 'fake-indexeddb/auto';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createDeviceService, deviceEngineHandlers, type DeviceService } from '../../../src/main/device';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { buildSyncedEngine, deviceFromMain } from '../../../src/renderer/engine/device-sync';
import { issueEnrolCode } from '../../../src/server/admin/admin';
import { exportRecords } from '../../../src/server/audit/store';
import type { RunningServer } from '../../../src/server/server';
import { DeviceEngineContract } from '../../../src/shared/contracts/device';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import type { Port } from '../../../src/shared/rpc/port';
import { serveRpc } from '../../../src/shared/rpc/rpc';
import { PASSWORD, TEST_KDF, freshDbName, loginDraft } from '../core/helpers';
import { newTenant, nodeRandom, openTestDatabase, startTestServer } from '../server/helpers';

let server: RunningServer;
let tenant: { orgId: string; userId: string };
beforeAll(async () => {
  const { db } = await openTestDatabase('pglite');
  server = await startTestServer(db);
  tenant = await newTenant(server.db);
}, 30_000);
afterAll(async () => {
  await server?.close();
});

/** Main serves the device contract; returns the worker's end of the port. */
function mainPortFor(device: DeviceService): Port {
  const ch = new MessageChannel();
  serveRpc(fromNodeMessagePort(ch.port1), DeviceEngineContract, deviceEngineHandlers(device));
  return fromNodeMessagePort(ch.port2);
}

describe('the engine worker syncs through main when the device is enrolled', () => {
  it('not enrolled: the personal identity; no main: none; a main that does not answer: broken', async () => {
    const device = createDeviceService({ keychain: createMemoryKeychain() });
    const personal = await deviceFromMain(Promise.resolve(mainPortFor(device)), 5_000);
    expect(personal.kind).toBe('personal');
    expect(await deviceFromMain(Promise.resolve(undefined), 5_000)).toEqual({ kind: 'none' });
    expect(await deviceFromMain(Promise.reject(new Error('no main')), 5_000)).toEqual({ kind: 'none' });
    expect((await deviceFromMain(new Promise<Port | undefined>(() => undefined), 10)).kind).toBe('broken');
    // Main is there but its device service never answers.
    const silent = new MessageChannel();
    expect((await deviceFromMain(Promise.resolve(fromNodeMessagePort(silent.port2)), 50)).kind).toBe('broken');
    silent.port1.close();
  });

  it('enrolled: vault records push and signed audit records upload, with the key only in main', async () => {
    const device = createDeviceService({ keychain: createMemoryKeychain() });
    const { code } = await issueEnrolCode(server.db, tenant.orgId, tenant.userId);
    await device.enrol({ serverUrl: server.url, code, deviceName: 'worker test' });
    const enrolment = await deviceFromMain(Promise.resolve(mainPortFor(device)), 5_000);
    if (enrolment.kind !== 'enrolled') throw new Error('expected an enrolment');
    const synced = buildSyncedEngine({
      dbName: freshDbName(),
      client: enrolment.client,
      status: enrolment.status,
      random: nodeRandom,
      engine: { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true },
    });
    await synced.engine.createVault(PASSWORD);
    await synced.engine.createItem(loginDraft('Mail'));
    const report = await synced.vaultSync.sync();
    expect(report.pushed).toBeGreaterThan(0);
    expect(report.auditUploaded).toBeGreaterThan(0);
    const stored = (await server.db.asTenant(tenant.orgId, (sql) => exportRecords(sql, tenant.orgId))).filter((r) => r.device === enrolment.status.deviceId);
    // Records, and the device's seal over them (format v3, signed by main's key).
    expect(stored.filter((x) => !('type' in x)).length).toBe(report.auditUploaded);
    expect(stored.filter((x) => 'type' in x).length).toBeGreaterThan(0);
    synced.engine.lock();
  });
});
