/**
 * Request authentication against a real server over HTTP: only a fresh request signed
 * by an enrolled, unrevoked device passes; replayed, stale, tampered, unsigned and
 * revoked ones are refused with a code the client can act on. Enrolment codes are
 * single-use and expire.
 */
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/shared/contracts/sync';
import { issueEnrolCode, revokeDevice, revokeUser } from '../../../src/server/admin/admin';
import { enrolDevice } from '../../../src/core/sync';
import { LatchkeyError } from '../../../src/shared/errors';
import { enrolTestDevice, newSigner, newTenant, nodeFetch, rawRequest, signRequest, startTestServer, useTestServer } from './helpers';

const env = useTestServer();

const PUSH_BODY = JSON.stringify({ changes: [{ changeId: 'cccccccccccccccccccc01', id: 'x', baseVersion: 0, deleted: false, ciphertext: 'AAAA' }] });

describe('signed requests', () => {
  it('an exact replay of a signed request is refused', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const headers = signRequest(dev, 'POST', ROUTES.push, PUSH_BODY);
    const first = await rawRequest(env.server.url, 'POST', ROUTES.push, headers, PUSH_BODY);
    expect(first.status).toBe(200);
    const again = await rawRequest(env.server.url, 'POST', ROUTES.push, headers, PUSH_BODY);
    expect(again.status).toBe(401);
    expect(again.json.error?.code).toBe('replayed_request');
  });

  it('copies of one signed request sent at the same time: exactly one is served', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const headers = signRequest(dev, 'POST', ROUTES.push, PUSH_BODY);
    const answers = await Promise.all(Array.from({ length: 4 }, () => rawRequest(env.server.url, 'POST', ROUTES.push, headers, PUSH_BODY)));
    const codes = answers.map((r) => (r.status === 200 ? 'ok' : r.json.error?.code)).sort();
    expect(codes).toEqual(['ok', 'replayed_request', 'replayed_request', 'replayed_request']);
  });

  it('a request that failed cannot be replayed either (its nonce is kept)', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const bad = JSON.stringify({ changes: [] });
    const headers = signRequest(dev, 'POST', ROUTES.push, bad);
    expect((await rawRequest(env.server.url, 'POST', ROUTES.push, headers, bad)).json.error?.code).toBe('invalid_input');
    expect((await rawRequest(env.server.url, 'POST', ROUTES.push, headers, bad)).json.error?.code).toBe('replayed_request');
  });

  it('a request older (or newer) than the clock-skew window is refused as stale', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    for (const skew of [-6 * 60_000, 6 * 60_000]) {
      const headers = signRequest(dev, 'GET', ROUTES.devices, '', { time: Date.now() + skew });
      const res = await rawRequest(env.server.url, 'GET', ROUTES.devices, headers);
      expect(res.json.error?.code).toBe('stale_request');
    }
  });

  it('a signed request whose body, path or method was altered is refused', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const headers = signRequest(dev, 'POST', ROUTES.push, PUSH_BODY);
    const tamperedBody = PUSH_BODY.replace('AAAA', 'BBBB');
    expect((await rawRequest(env.server.url, 'POST', ROUTES.push, headers, tamperedBody)).json.error?.code).toBe('unauthorized');
    const h2 = signRequest(dev, 'GET', `${ROUTES.pull}?cursor=0`, '');
    expect((await rawRequest(env.server.url, 'GET', `${ROUTES.pull}?cursor=5`, h2)).json.error?.code).toBe('unauthorized');
    const h3 = signRequest(dev, 'GET', ROUTES.manifest, '');
    expect((await rawRequest(env.server.url, 'PUT', ROUTES.manifest, { ...h3, 'content-type': 'application/json' }, '{}')).json.error?.code).toBe('unauthorized');
  });

  it('a request signed by another key, or not signed at all, is refused', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const impostor = { ...dev, signer: newSigner() };
    const res = await rawRequest(env.server.url, 'GET', ROUTES.devices, signRequest(impostor, 'GET', ROUTES.devices, ''));
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe('unauthorized');
    const unsigned = await rawRequest(env.server.url, 'GET', ROUTES.devices, {});
    expect(unsigned.json.error?.code).toBe('unauthorized');
  });

  it('a revoked device is refused on its very next request; its sibling keeps working', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const other = await enrolTestDevice(env.server, t.orgId, t.userId);
    await dev.api.devices();
    await revokeDevice(env.db, t.orgId, dev.deviceId);
    const err = await dev.api.devices().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchkeyError);
    expect((err as LatchkeyError).code).toBe('device_revoked');
    const list = await other.api.devices();
    expect(list.devices.find((d) => d.deviceId === dev.deviceId)?.revoked).toBe(true);
  });

  it('revoking a person stops every one of their devices', async () => {
    const t = await newTenant(env.db);
    const d1 = await enrolTestDevice(env.server, t.orgId, t.userId);
    const d2 = await enrolTestDevice(env.server, t.orgId, t.userId);
    await revokeUser(env.db, t.orgId, t.userId);
    for (const d of [d1, d2]) {
      await expect(d.api.pull(0, 10)).rejects.toMatchObject({ code: 'device_revoked' });
    }
    await expect(issueEnrolCode(env.db, t.orgId, t.userId)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an enrolment code works once, and not after it expires', async () => {
    const t = await newTenant(env.db);
    const { code } = await issueEnrolCode(env.db, t.orgId, t.userId);
    const deps = { baseUrl: env.server.url, fetch: nodeFetch };
    await enrolDevice(deps, code, newSigner().publicKey, 'laptop');
    await expect(enrolDevice(deps, code, newSigner().publicKey, 'thief')).rejects.toMatchObject({ code: 'unauthorized' });
    const expired = await issueEnrolCode(env.db, t.orgId, t.userId, -1000);
    await expect(enrolDevice(deps, expired.code, newSigner().publicKey, 'late')).rejects.toMatchObject({ code: 'unauthorized' });
    const wrong = `${t.orgId}.${'A'.repeat(32)}`;
    await expect(enrolDevice(deps, wrong, newSigner().publicKey, 'guess')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('requests over the rate limit are refused with rate_limited', async () => {
    const limited = await startTestServer(env.db, { rateLimitPerMinute: 3 });
    try {
      const t = await newTenant(env.db);
      const dev = await enrolTestDevice(limited, t.orgId, t.userId);
      const codes = [];
      for (let i = 0; i < 5; i++) {
        const res = await rawRequest(limited.url, 'GET', ROUTES.devices, signRequest(dev, 'GET', ROUTES.devices, ''));
        codes.push(res.status === 200 ? 'ok' : res.json.error?.code);
      }
      expect(codes.slice(0, 2)).toEqual(['ok', 'ok']);
      expect(codes.at(-1)).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('malformed bodies and oversized bodies are refused with invalid_input', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const bad = JSON.stringify({ changes: [{ id: '../etc', baseVersion: -1 }] });
    const res = await rawRequest(env.server.url, 'POST', ROUTES.push, signRequest(dev, 'POST', ROUTES.push, bad), bad);
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('invalid_input');
    const huge = JSON.stringify({ records: ['x'.repeat(9 * 1024 * 1024)] });
    const big = await rawRequest(env.server.url, 'POST', ROUTES.auditRecords, { 'content-type': 'application/json' }, huge);
    expect(big.status).toBe(400);
    expect(big.json.error?.code).toBe('invalid_input');
  });
});
