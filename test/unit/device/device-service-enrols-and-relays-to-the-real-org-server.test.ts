/**
 * Main's device service against a REAL org server (PGlite, real HTTP on 127.0.0.1):
 * enrolment keeps the Ed25519 key in the keychain and never hands it out, signing
 * verifies under the enrolled public key, and the engine's HTTP relay reaches only the
 * enrolled server under /v1/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createDeviceService, DEVICE_IDENTITY_ACCOUNT, DEVICE_KEY_ACCOUNT, deviceEngineHandlers, type DeviceService } from '../../../src/main/device';
import type { HttpFetch } from '../../../src/main/device/device-service';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import type { Keychain } from '../../../src/main/keychain/keychain';
import { createServerApi, type FetchLike } from '../../../src/core/sync';
import { personalPolicy } from '../../../src/core/policy';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { deviceIdForPublicKey } from '../../../src/core/sync/device-id';
import { issueEnrolCode } from '../../../src/server/admin/admin';
import type { RunningServer } from '../../../src/server/server';
import { DeviceEngineContract } from '../../../src/shared/contracts/device';
import { LatchkeyError } from '../../../src/shared/errors';
import { MessageChannel } from 'node:worker_threads';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { createMainServices } from '../../../src/main/services';
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

async function code(): Promise<string> {
  return (await issueEnrolCode(server.db, tenant.orgId, tenant.userId)).code;
}

async function enrolled(): Promise<{ device: DeviceService; keychain: Keychain }> {
  const keychain = createMemoryKeychain();
  const device = createDeviceService({ keychain });
  await device.enrol({ serverUrl: server.url, code: await code(), deviceName: 'laptop' });
  return { device, keychain };
}

/** Main serves the engine's device contract on a real MessagePort; returns the worker's client. */
function connectEngineSide(device: DeviceService) {
  const ch = new MessageChannel();
  serveRpc(fromNodeMessagePort(ch.port1), DeviceEngineContract, deviceEngineHandlers(device));
  return connectRpc(fromNodeMessagePort(ch.port2), DeviceEngineContract);
}

async function refusal(p: Promise<unknown>): Promise<LatchkeyError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  return err as LatchkeyError;
}

describe('device enrolment through main', () => {
  it('before enrolment: one device key from the first ask, its derived id, signing works, the relay refuses', async () => {
    const keychain = createMemoryKeychain();
    const device = createDeviceService({ keychain });
    const [a, b] = await Promise.all([device.status(), device.status()]);
    expect(a).toEqual(b);
    if (a.enrolled) throw new Error('expected personal');
    const seed = fromBase64url((await keychain.get(DEVICE_KEY_ACCOUNT))!);
    expect(fromBase64url(a.publicKey)).toEqual(ed25519.getPublicKey(seed));
    expect(a.deviceId).toBe(deviceIdForPublicKey(fromBase64url(a.publicKey)));
    expect(a.deviceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const msg = new Uint8Array([1, 2, 3]);
    expect(ed25519.verify(await device.sign(msg), msg, fromBase64url(a.publicKey))).toBe(true);
    expect((await refusal(device.serverFetch({ method: 'GET', path: '/v1/devices', headers: {} }))).code).toBe('forbidden');
    // A restart reads the same key back.
    device.close();
    expect(await createDeviceService({ keychain }).status()).toEqual(a);
  });

  it('enrolment registers the key made at first start under its derived id', async () => {
    const keychain = createMemoryKeychain();
    const device = createDeviceService({ keychain });
    const before = await device.status();
    await device.enrol({ serverUrl: server.url, code: await code(), deviceName: 'laptop' });
    const after = await device.status();
    if (before.enrolled || !after.enrolled) throw new Error('expected personal, then enrolled');
    expect({ deviceId: after.deviceId, publicKey: after.publicKey }).toEqual({ deviceId: before.deviceId, publicKey: before.publicKey });
  });

  it("refuses to complete an enrolment when the server answers with another device id than the key's", async () => {
    // A server that ignores the proposed id (older, or misbehaving): the chain signed so far could not be uploaded.
    const rewriting: HttpFetch = async (url, init) => {
      const res = await fetch(url, init);
      const body = (await res.text()).replace(/"deviceId":"[0-9a-f-]{36}"/, '"deviceId":"00000000-0000-4000-8000-000000000000"');
      return { status: res.status, headers: res.headers, text: async () => body };
    };
    const device = createDeviceService({ keychain: createMemoryKeychain(), fetch: rewriting });
    const err = await refusal(device.enrol({ serverUrl: server.url, code: await code(), deviceName: 'laptop' }));
    expect(err.code).toBe('upstream_failed');
    expect(err.message).toContain('another id');
    expect((await device.status()).enrolled).toBe(false);
  });

  it('stores the key in the keychain and never returns it', async () => {
    const { device, keychain } = await enrolled();
    const status = await device.status();
    if (!status.enrolled) throw new Error('expected enrolled');
    expect(status).toMatchObject({ serverUrl: server.url, orgId: tenant.orgId, userId: tenant.userId });
    const seed = await keychain.get(DEVICE_KEY_ACCOUNT);
    expect(seed).not.toBeNull();
    expect(fromBase64url(seed!)).toHaveLength(32);
    expect(JSON.parse((await keychain.get(DEVICE_IDENTITY_ACCOUNT))!)).toMatchObject({ deviceId: status.deviceId });
    // The public key matches the seed, and the seed appears in nothing the service returns.
    expect(fromBase64url(status.publicKey)).toEqual(ed25519.getPublicKey(fromBase64url(seed!)));
    expect(JSON.stringify(status)).not.toContain(seed!);
  });

  it('signatures from device.sign verify under the enrolled public key', async () => {
    const { device } = await enrolled();
    const status = await device.status();
    if (!status.enrolled) throw new Error('expected enrolled');
    const msg = new TextEncoder().encode('manifest bytes');
    const sig = await device.sign(msg);
    expect(ed25519.verify(sig, msg, fromBase64url(status.publicKey))).toBe(true);
    expect(ed25519.verify(sig, new TextEncoder().encode('other bytes'), fromBase64url(status.publicKey))).toBe(false);
  });

  it('a second enrolment with the same code fails', async () => {
    const c = await code();
    await createDeviceService({ keychain: createMemoryKeychain() }).enrol({ serverUrl: server.url, code: c, deviceName: 'one' });
    const second = createDeviceService({ keychain: createMemoryKeychain() });
    await refusal(second.enrol({ serverUrl: server.url, code: c, deviceName: 'two' }));
    expect((await second.status()).enrolled).toBe(false);
  });

  it('refuses to enrol again once enrolled, and two overlapping enrolments register one key', async () => {
    const { device } = await enrolled();
    expect((await refusal(device.enrol({ serverUrl: server.url, code: await code(), deviceName: 'again' }))).code).toBe('conflict');
    const fresh = createDeviceService({ keychain: createMemoryKeychain() });
    const [c1, c2] = [await code(), await code()];
    const results = await Promise.allSettled([
      fresh.enrol({ serverUrl: server.url, code: c1, deviceName: 'a' }),
      fresh.enrol({ serverUrl: server.url, code: c2, deviceName: 'b' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('refuses a server other than the one policy names, before contacting it', async () => {
    const policy = { ...personalPolicy(), managed: true, policy: { version: 1 as const, org: { name: 'Acme', serverUrl: 'https://latchkey.acme.test' } } };
    const device = createDeviceService({ keychain: createMemoryKeychain(), policy: () => policy });
    const c = await code();
    expect((await refusal(device.enrol({ serverUrl: server.url, code: c, deviceName: 'x' }))).code).toBe('policy_forbidden');
    // The code was not spent: another device can still use it.
    await createDeviceService({ keychain: createMemoryKeychain() }).enrol({ serverUrl: server.url, code: c, deviceName: 'y' });
  });

  it('a policy naming another server, installed after enrolment, stops the relay', async () => {
    const keychain = createMemoryKeychain();
    await createDeviceService({ keychain }).enrol({ serverUrl: server.url, code: await code(), deviceName: 'z' });
    const policy = { ...personalPolicy(), managed: true, policy: { version: 1 as const, org: { name: 'Acme', serverUrl: 'https://latchkey.acme.test' } } };
    const device = createDeviceService({ keychain, policy: () => policy });
    expect((await refusal(device.serverFetch({ method: 'GET', path: '/v1/devices', headers: {} }))).code).toBe('policy_forbidden');
  });

  it('refuses plain http to anything but this computer, and URLs carrying credentials, queries or fragments', async () => {
    const device = createDeviceService({ keychain: createMemoryKeychain() });
    for (const serverUrl of ['http://latchkey.acme.test', 'ftp://x.test', 'https://user:pw@x.test', 'https://x.test/?a=1', 'https://x.test/#f', 'javascript:alert(1)']) {
      expect((await refusal(device.enrol({ serverUrl, code: 'c', deviceName: 'd' }))).code, serverUrl).toBe('invalid_input');
    }
    expect((await device.status()).enrolled).toBe(false);
  });

  it('server.fetch refuses every path not under /v1/ (schema at the RPC boundary)', async () => {
    const { device } = await enrolled();
    const client = connectEngineSide(device);
    for (const path of ['/health', '/v1/../admin', 'http://evil.test/v1/x', '//evil.test/v1/', '/v2/sync', '/v1//x', '/v1/x#frag', '/v1/x\n']) {
      const err = await client.call('server.fetch', { method: 'GET', path, headers: {} }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, path).toBeInstanceOf(LatchkeyError);
      expect((err as LatchkeyError).code, path).toBe('invalid_input');
    }
    // The service itself checks too (a caller that skips the RPC layer).
    await refusal(device.serverFetch({ method: 'GET', path: '/v1/../x', headers: {} }));
  });

  it("main serves signing and the server relay on the engine's port only, never on the page's", async () => {
    const { device } = await enrolled();
    const services = createMainServices({ shell: 'preview', version: '0.0.0-test', keychain: createMemoryKeychain(), device });
    const page = new MessageChannel();
    services.serveRenderer(fromNodeMessagePort(page.port1), 'page');
    const fromPage = connectRpc(fromNodeMessagePort(page.port2), DeviceEngineContract);
    expect((await fromPage.call('device.status', {})).enrolled).toBe(true);
    for (const call of [fromPage.call('device.sign', { bytes: new Uint8Array([1]) }), fromPage.call('server.fetch', { method: 'GET', path: '/v1/devices', headers: {} })]) {
      expect((await refusal(call)).code).toBe('rpc_unknown_method');
    }
    const engine = new MessageChannel();
    services.serveRenderer(fromNodeMessagePort(engine.port1), 'engine');
    const fromEngine = connectRpc(fromNodeMessagePort(engine.port2), DeviceEngineContract);
    expect((await fromEngine.call('device.sign', { bytes: new Uint8Array([1]) })).sig).toHaveLength(64);
    await services.close();
  });

  it('the engine syncs through the relay: signed requests over server.fetch and device.sign succeed', async () => {
    const { device } = await enrolled();
    const client = connectEngineSide(device);
    const status = await client.call('device.status', {});
    if (!status.enrolled) throw new Error('expected enrolled');
    // What the worker builds: URLs are bare paths; main prefixes the enrolled server.
    const relay: FetchLike = async (url, init) => {
      const r = await client.call('server.fetch', {
        method: init.method as 'GET' | 'POST' | 'PUT',
        path: url,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      });
      return { status: r.status, text: async () => r.body };
    };
    const api = createServerApi({
      baseUrl: '',
      fetch: relay,
      clock: { now: Date.now },
      random: nodeRandom,
      signer: { publicKey: fromBase64url(status.publicKey), sign: async (bytes) => (await client.call('device.sign', { bytes })).sig },
      identity: { orgId: status.orgId, userId: status.userId, deviceId: status.deviceId },
    });
    const devices = await api.devices();
    expect(JSON.stringify(devices)).toContain(status.deviceId);
    await client.call('device.reportSync', { at: 1, ok: true });
    expect(await device.status()).toMatchObject({ lastSync: { at: 1, ok: true } });
  });
});
