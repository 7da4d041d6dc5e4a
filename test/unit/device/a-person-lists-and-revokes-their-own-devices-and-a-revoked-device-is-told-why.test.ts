/**
 * Settings → Devices end to end under Node: main's REAL device service (memory keychain)
 * against a REAL org server (PGlite, real HTTP), with the worker's REAL synced engine
 * (fake-indexeddb) relaying through main. A person lists their devices and revokes any
 * of them; the revoked device's next sync is refused with who revoked it and when, and
 * it stops syncing; nobody revokes another person's or another org's device; un-enrolling
 * keeps or wipes the local vault as the person chose, and always removes the device key.
 */
import 'fake-indexeddb/auto';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createDeviceService, DEVICE_IDENTITY_ACCOUNT, DEVICE_KEY_ACCOUNT, deviceEngineHandlers, type DeviceService } from '../../../src/main/device';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import type { Keychain } from '../../../src/main/keychain/keychain';
import { CA_ACCOUNT } from '../../../src/main/proxy/ca';
import { buildPersonalEngine, buildSyncedEngine, deviceFromMain } from '../../../src/renderer/engine/device-sync';
import { forgetLocalDatabases } from '../../../src/core/vault-sync/local-databases';
import { createUser, issueEnrolCode, revokeDevice } from '../../../src/server/admin/admin';
import type { RunningServer } from '../../../src/server/server';
import { DeviceEngineContract } from '../../../src/shared/contracts/device';
import type { AuditEvent } from '../../../src/shared/contracts/audit-event';
import { MY_DEVICES_ROUTES } from '../../../src/shared/contracts/my-devices';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import type { Port } from '../../../src/shared/rpc/port';
import { serveRpc } from '../../../src/shared/rpc/rpc';
import { PASSWORD, TEST_KDF, expectCode, freshDbName, loginDraft } from '../core/helpers';
import { enrolTestDevice, newSigner, newTenant, nodeRandom, openTestDatabase, rawRequest, signRequest, startTestServer } from '../server/helpers';

let server: RunningServer;
let tenant: { orgId: string; userId: string };
let other: { orgId: string; userId: string };
beforeAll(async () => {
  // PGlite, or the real PostgreSQL named by DATABASE_URL_TEST.
  const { db } = await openTestDatabase();
  server = await startTestServer(db);
  tenant = await newTenant(server.db);
  other = await newTenant(server.db, 'globex');
}, 30_000);
afterAll(async () => {
  await server?.close();
});

interface Enrolled {
  device: DeviceService;
  keychain: Keychain;
  audited: AuditEvent[];
  deviceId: string;
  /** HTTP requests main made to the server for this device. */
  requests: () => number;
}

async function enrolled(name: string, who: { orgId: string; userId: string } = tenant): Promise<Enrolled> {
  const keychain = createMemoryKeychain();
  const audited: AuditEvent[] = [];
  let requests = 0;
  const device = createDeviceService({
    keychain,
    audit: { append: (e) => void audited.push(e) },
    fetch: async (url, init) => {
      requests++;
      return await fetch(url, init);
    },
  });
  const { code } = await issueEnrolCode(server.db, who.orgId, who.userId);
  const status = await device.enrol({ serverUrl: server.url, code, deviceName: name });
  if (!status.enrolled) throw new Error('expected an enrolment');
  return { device, keychain, audited, deviceId: status.deviceId, requests: () => requests };
}

function mainPortFor(device: DeviceService): Port {
  const ch = new MessageChannel();
  serveRpc(fromNodeMessagePort(ch.port1), DeviceEngineContract, deviceEngineHandlers(device));
  return fromNodeMessagePort(ch.port2);
}

const engineDeps = { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true };

async function syncedEngineOf(device: DeviceService, dbName = freshDbName()) {
  const enrolment = await deviceFromMain(Promise.resolve(mainPortFor(device)), 5_000);
  if (enrolment.kind !== 'enrolled') throw new Error('expected an enrolment');
  return { dbName, ...buildSyncedEngine({ dbName, client: enrolment.client, status: enrolment.status, random: nodeRandom, engine: engineDeps }) };
}

async function lastSeenOf(deviceId: string): Promise<string | null> {
  const rows = await server.db.asTenant(tenant.orgId, (sql) => sql.query<{ last_seen_at: unknown }>('SELECT last_seen_at FROM devices WHERE id = $1', [deviceId]));
  const v = rows[0]?.last_seen_at;
  return v === null || v === undefined ? null : new Date(v as string).toISOString();
}

describe("a person's own devices", () => {
  it('lists both devices with name, enrolment, last seen, how enrolled and which is this one', async () => {
    const a = await enrolled('Work laptop');
    const b = await enrolled('Home desktop');
    const list = await a.device.listDevices();
    const mine = list.filter((d) => d.deviceId === a.deviceId || d.deviceId === b.deviceId);
    expect(mine).toHaveLength(2);
    expect(mine.find((d) => d.deviceId === a.deviceId)).toMatchObject({ name: 'Work laptop', thisDevice: true, enrolledVia: 'code', revokedAt: null, revokedBy: null });
    expect(mine.find((d) => d.deviceId === b.deviceId)).toMatchObject({ name: 'Home desktop', thisDevice: false, enrolledVia: 'code', lastSeenAt: null });
    // The list request itself saw device A.
    expect(mine.find((d) => d.deviceId === a.deviceId)?.lastSeenAt).not.toBeNull();
    // Another person's device never shows.
    const c = await enrolTestDevice(server, tenant.orgId, (await createUser(server.db, tenant.orgId, 'carol')).userId);
    expect((await a.device.listDevices()).some((d) => d.deviceId === c.deviceId)).toBe(false);
  });

  it('last seen is written at most once a minute, not on every request', async () => {
    const a = await enrolled('Busy laptop');
    await a.device.listDevices();
    const first = await lastSeenOf(a.deviceId);
    expect(first).not.toBeNull();
    await a.device.listDevices();
    await a.device.listDevices();
    expect(await lastSeenOf(a.deviceId)).toBe(first);
  });

  it("revoking another device: that device's next sync is refused with who revoked it and when, and it stops syncing", async () => {
    const a = await enrolled('Work laptop');
    const b = await enrolled('Old phone');
    const bSync = await syncedEngineOf(b.device);
    await bSync.engine.createVault(PASSWORD);
    await bSync.engine.createItem(loginDraft('Mail'));
    await bSync.vaultSync.sync();

    const out = await a.device.revokeDevice(b.deviceId);
    expect(out.deviceId).toBe(b.deviceId);
    // Recorded in the revoking device's signed log.
    expect(a.audited).toContainEqual({ action: 'device.revoke', actor: { type: 'person' }, target: { deviceId: b.deviceId }, outcome: 'success' });

    const details = await expectCode(bSync.vaultSync.sync(), 'device_revoked');
    expect(details).toEqual({ scope: 'device', revokedBy: 'person', revokedAt: out.revokedAt, byDeviceId: a.deviceId, byDeviceName: 'Work laptop' });

    // The scheduled pass reports it to main (Settings shows it), with the typed reason.
    bSync.startSchedule();
    await expect
      .poll(async () => {
        const s = await b.device.status();
        return s.enrolled ? s.lastSync?.error?.code : undefined;
      })
      .toBe('device_revoked');
    const s = await b.device.status();
    if (!s.enrolled) throw new Error('expected enrolled');
    expect(s.lastSync?.error?.revocation).toMatchObject({ revokedBy: 'person', byDeviceName: 'Work laptop' });
    expect(s.lastSync?.error?.message).toContain('"Work laptop"');
    // Sync stopped: an unlock (which starts a pass) and an edit send nothing more.
    const sent = b.requests();
    bSync.engine.lock();
    await bSync.engine.unlockWithPassword(PASSWORD);
    expect(b.requests()).toBe(sent);

    // A's list shows B revoked by its person.
    expect((await a.device.listDevices()).find((d) => d.deviceId === b.deviceId)).toMatchObject({ revokedAt: out.revokedAt, revokedBy: 'person' });
    // Revoking again changes nothing: the first revocation stands.
    expect((await a.device.revokeDevice(b.deviceId)).revokedAt).toBe(out.revokedAt);
    bSync.engine.lock();
  });

  it('revoking this device: its next request is refused, naming this device', async () => {
    const a = await enrolled('Spare laptop');
    await a.device.revokeDevice(a.deviceId);
    const err = await expectCode(a.device.listDevices(), 'device_revoked');
    expect(err).toMatchObject({ scope: 'device', revokedBy: 'person', byDeviceId: a.deviceId });
    await expect(a.device.listDevices()).rejects.toThrow(/from this device/);
  });

  it('an administrator revoking a device is named as such', async () => {
    const a = await enrolled('Audited laptop');
    await revokeDevice(server.db, tenant.orgId, a.deviceId);
    expect(await expectCode(a.device.listDevices(), 'device_revoked')).toMatchObject({ scope: 'device', revokedBy: 'admin' });
    await expect(a.device.listDevices()).rejects.toThrow(/An administrator removed this device/);
  });

  it("another person's device and another org's device cannot be revoked: the same not_found, and they keep working", async () => {
    const a = await enrolled('Mine');
    const carol = await createUser(server.db, tenant.orgId, 'carol');
    const theirs = await enrolled('Carol laptop', { orgId: tenant.orgId, userId: carol.userId });
    const foreign = await enrolled('Globex laptop', other);
    await expectCode(a.device.revokeDevice(theirs.deviceId), 'not_found');
    await expectCode(a.device.revokeDevice(foreign.deviceId), 'not_found');
    await expectCode(foreign.device.revokeDevice(a.deviceId), 'not_found');
    expect(a.audited.filter((e) => e.outcome === 'failure')).toHaveLength(2);
    // Still enrolled and working.
    expect((await theirs.device.listDevices()).find((d) => d.thisDevice)?.revokedAt).toBeNull();
    expect((await foreign.device.listDevices()).find((d) => d.thisDevice)?.revokedAt).toBeNull();
    expect((await a.device.listDevices()).find((d) => d.thisDevice)?.revokedAt).toBeNull();
  });

  it('revoking and un-enrolling need the unlocked vault: the device key signs without it', async () => {
    const keychain = createMemoryKeychain();
    let unlocked = false;
    const device = createDeviceService({ keychain, vaultUnlocked: async () => unlocked });
    const { code } = await issueEnrolCode(server.db, tenant.orgId, tenant.userId);
    const status = await device.enrol({ serverUrl: server.url, code, deviceName: 'Unattended laptop' });
    if (!status.enrolled) throw new Error('expected enrolled');
    const victim = await enrolled('Other laptop');
    await expectCode(device.revokeDevice(victim.deviceId), 'vault_locked');
    await expectCode(device.unenrol({ localData: 'wipe' }), 'vault_locked');
    expect(await keychain.get(DEVICE_IDENTITY_ACCOUNT)).not.toBeNull();
    // Listing is not destructive and works locked.
    expect((await device.listDevices()).find((d) => d.deviceId === victim.deviceId)?.revokedAt).toBeNull();
    unlocked = true;
    await device.revokeDevice(victim.deviceId);
    expect((await device.listDevices()).find((d) => d.deviceId === victim.deviceId)?.revokedAt).not.toBeNull();
  });

  it('the revoke route parses its body strictly and takes ids of the caller only', async () => {
    const dev = await enrolTestDevice(server, tenant.orgId, tenant.userId);
    for (const body of ['{"deviceId":"not-a-uuid"}', `{"deviceId":"${dev.deviceId}","userId":"${tenant.userId}"}`, `{"deviceId":"${dev.deviceId}","deviceId":"${dev.deviceId}"}`]) {
      const r = await rawRequest(server.url, 'POST', MY_DEVICES_ROUTES.revoke, signRequest(dev, 'POST', MY_DEVICES_ROUTES.revoke, body), body);
      expect(r.status).toBe(400);
    }
    // Unsigned: the one 401, whatever the body.
    const r = await rawRequest(server.url, 'POST', MY_DEVICES_ROUTES.revoke, { 'content-type': 'application/json' }, `{"deviceId":"${dev.deviceId}"}`);
    expect(r.status).toBe(401);
    // Signed by another key under this device's id: the same 401, nothing revoked.
    const stranger = { ...dev, signer: newSigner() };
    const forgedBody = `{"deviceId":"${dev.deviceId}"}`;
    const forged = await rawRequest(server.url, 'POST', MY_DEVICES_ROUTES.revoke, signRequest(stranger, 'POST', MY_DEVICES_ROUTES.revoke, forgedBody), forgedBody);
    expect(forged.status).toBe(401);
    // The list takes no query and no body.
    const withQuery = `${MY_DEVICES_ROUTES.list}?userId=${tenant.userId}`;
    expect((await rawRequest(server.url, 'GET', withQuery, signRequest(dev, 'GET', withQuery, ''))).status).toBe(400);
    expect((await dev.api.myDevices()).devices.find((d) => d.thisDevice)?.revokedAt).toBeNull();
  });
});

describe('un-enrolling this device', () => {
  it('keep: the server marks it revoked, the device key and enrolment leave the keychain, the vault stays and opens', async () => {
    // A person of their own: one vault per person on the server.
    const person = { orgId: tenant.orgId, userId: (await createUser(server.db, tenant.orgId, 'dave')).userId };
    const e = await enrolled('Leaving laptop', person);
    const synced = await syncedEngineOf(e.device);
    await synced.engine.createVault(PASSWORD);
    await synced.engine.createItem(loginDraft('Kept login'));
    await synced.vaultSync.sync();
    synced.engine.lock();

    await e.keychain.set(CA_ACCOUNT, 'the per-device proxy CA');
    expect(await e.device.unenrol({ localData: 'keep' })).toEqual({ localData: 'keep', serverNotified: true });
    expect(await e.keychain.get(CA_ACCOUNT)).toBe('the per-device proxy CA');
    expect(await e.keychain.get(DEVICE_IDENTITY_ACCOUNT)).toBeNull();
    expect(await e.keychain.get(DEVICE_KEY_ACCOUNT)).toBeNull();
    const rows = await server.db.asTenant(tenant.orgId, (sql) =>
      sql.query<{ revoked_by: string; revoked_by_device: string }>('SELECT revoked_by, revoked_by_device FROM devices WHERE id = $1', [e.deviceId]),
    );
    expect(rows[0]).toEqual({ revoked_by: 'person', revoked_by_device: e.deviceId });
    expect(e.audited).toContainEqual({ action: 'device.revoke', actor: { type: 'person' }, target: { deviceId: e.deviceId }, outcome: 'success' });

    const deleted = await forgetLocalDatabases(indexedDB, synced.dbName, 'sync');
    expect(deleted.sort()).toEqual([`${synced.dbName}-inbox`, `${synced.dbName}-sync`]);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).toContain(synced.dbName);
    expect(names).not.toContain(`${synced.dbName}-sync`);

    // Personal mode now, under a new device key; the vault opens with the same password.
    const status = await e.device.status();
    expect(status.enrolled).toBe(false);
    if (status.enrolled) throw new Error('expected personal');
    expect(status.deviceId).not.toBe(e.deviceId);
    const personal = await deviceFromMain(Promise.resolve(mainPortFor(e.device)), 5_000);
    if (personal.kind !== 'personal') throw new Error('expected personal');
    const { engine } = buildPersonalEngine({ dbName: synced.dbName, client: personal.client, status: personal.status, random: nodeRandom, engine: engineDeps });
    await engine.unlockWithPassword(PASSWORD);
    expect(engine.listItems().map((i) => i.overview.title)).toContain('Kept login');
    engine.lock();
  });

  it('wipe: the vault and every database of it are gone from this device, and so is the device key', async () => {
    const person = { orgId: tenant.orgId, userId: (await createUser(server.db, tenant.orgId, 'erin')).userId };
    const e = await enrolled('Wiped laptop', person);
    const synced = await syncedEngineOf(e.device);
    await synced.engine.createVault(PASSWORD);
    await synced.engine.createItem(loginDraft('Gone login'));
    await synced.vaultSync.sync();
    synced.engine.lock();

    const oldKey = await e.keychain.get(DEVICE_KEY_ACCOUNT);
    await e.keychain.set(CA_ACCOUNT, 'the per-device proxy CA');
    await e.keychain.set('policy.serial.test', '7');
    expect(await e.device.unenrol({ localData: 'wipe' })).toEqual({ localData: 'wipe', serverNotified: true });
    expect(await e.keychain.get(CA_ACCOUNT)).toBeNull();
    // Policy serials stay: wiping must not let an older policy file back in.
    expect(await e.keychain.get('policy.serial.test')).toBe('7');
    await forgetLocalDatabases(indexedDB, synced.dbName, 'all');
    const left = (await indexedDB.databases()).map((d) => d.name).filter((n) => n === synced.dbName || n?.startsWith(`${synced.dbName}-`));
    expect(left).toEqual([]);
    // Gone: anything that signs from now on (personal mode) makes a new key.
    expect(oldKey).not.toBeNull();
    expect(await e.keychain.get(DEVICE_KEY_ACCOUNT)).not.toBe(oldKey);
    expect(await e.keychain.get(DEVICE_IDENTITY_ACCOUNT)).toBeNull();
    // Refused from now on, with the reason.
    const rows = await server.db.asTenant(tenant.orgId, (sql) =>
      sql.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1', [e.deviceId]),
    );
    expect(rows[0]?.revoked).toBe(true);
  });

  it('a device an administrator revoked already still un-enrols; an unreachable server refuses unless forced', async () => {
    const e = await enrolled('Revoked then leaving');
    await revokeDevice(server.db, tenant.orgId, e.deviceId);
    expect(await e.device.unenrol({ localData: 'keep' })).toEqual({ localData: 'keep', serverNotified: true });

    const keychain = createMemoryKeychain();
    let down = false;
    const device = createDeviceService({
      keychain,
      fetch: async (url, init) => {
        if (down) throw new Error('ECONNREFUSED');
        return await fetch(url, init);
      },
    });
    const { code } = await issueEnrolCode(server.db, tenant.orgId, tenant.userId);
    await device.enrol({ serverUrl: server.url, code, deviceName: 'Offline laptop' });
    down = true;
    await expectCode(device.unenrol({ localData: 'keep' }), 'upstream_failed');
    expect(await keychain.get(DEVICE_IDENTITY_ACCOUNT)).not.toBeNull();
    expect(await device.unenrol({ localData: 'keep', force: true })).toEqual({ localData: 'keep', serverNotified: false });
    expect(await keychain.get(DEVICE_IDENTITY_ACCOUNT)).toBeNull();
  });
});
