/**
 * The server parses a body only after the request is authenticated: an unsigned or
 * badly signed caller gets the same 401 whatever it sends (broken JSON, another
 * content type, repeated member names, a schema violation). An authenticated device
 * gets strict parsing: repeated member names and impossible base64url are refused.
 */
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, createAuditLog, createEd25519Signer } from '../../../src/core/audit';
import { ROUTES } from '../../../src/shared/contracts/sync';
import { enrolTestDevice, newSigner, newTenant, rawRequest, signRequest, useTestServer } from './helpers';

const env = useTestServer();

const change = (ciphertext: string, extra = '') =>
  `{"changes":[{"changeId":"cccccccccccccccccccc01","id":"x","baseVersion":0,"deleted":false,"ciphertext":"${ciphertext}"${extra}}]}`;

describe('request bodies', () => {
  it('an unsigned or wrongly signed caller gets the same 401 whatever its body is', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const stranger = { ...dev, signer: newSigner() };
    const bodies: [string, string][] = [
      ['application/json', '{not json'],
      ['text/plain', 'hello'],
      ['application/json', '{"changes":[],"changes":[]}'],
      ['application/json', change('A')],
      ['application/json', '\u00ff\u00fe'],
    ];
    const answers = new Set<string>();
    for (const [type, body] of bodies) {
      // Unsigned: no x-latchkey-* headers.
      const unsigned = await rawRequest(env.server.url, 'POST', ROUTES.push, { 'content-type': type }, body);
      expect(unsigned.status).toBe(401);
      expect(unsigned.json.error?.code).toBe('unauthorized');
      answers.add(`unsigned ${JSON.stringify(unsigned.json)}`);
      // Signed by a key that is not the device's.
      const forged = await rawRequest(env.server.url, 'POST', ROUTES.push, { ...signRequest(stranger, 'POST', ROUTES.push, body), 'content-type': type }, body);
      expect(forged.status).toBe(401);
      expect(forged.json.error?.code).toBe('unauthorized');
      answers.add(`forged ${JSON.stringify(forged.json)}`);
    }
    // One answer for each kind of caller, independent of the body.
    expect(answers.size).toBe(2);
  });

  it('a signed body with a repeated member name is refused, not read last-value-wins', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const body = change('AAAA', ',"deleted":true');
    const res = await rawRequest(env.server.url, 'POST', ROUTES.push, signRequest(dev, 'POST', ROUTES.push, body), body);
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('invalid_input');
    expect(res.json.error?.message).toMatch(/"deleted" appears twice/);
  });

  it('impossible base64url (length 1 mod 4, non-zero trailing bits) and unknown members are refused in signed bodies', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    for (const body of [change('A'), change('AAAAB'), change('AB'), change('AAB'), change('AAAA', ',"extra":1')]) {
      const res = await rawRequest(env.server.url, 'POST', ROUTES.push, signRequest(dev, 'POST', ROUTES.push, body), body);
      expect(res.status, body).toBe(400);
      expect(res.json.error?.code).toBe('invalid_input');
    }
    const ok = change('AAA');
    const res = await rawRequest(env.server.url, 'POST', ROUTES.push, signRequest(dev, 'POST', ROUTES.push, ok), ok);
    expect(res.status).toBe(200);
  });

  it('a signed body in another content type is refused after authentication', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const body = change('AAAA');
    const res = await rawRequest(env.server.url, 'POST', ROUTES.push, { ...signRequest(dev, 'POST', ROUTES.push, body), 'content-type': 'text/plain' }, body);
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/application\/json/);
  });

  it('a signed audit upload whose record repeats "outcome" or has "target":{} is refused and nothing is stored', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const log = createAuditLog({ store: new MemoryAuditStore(), signer: createEd25519Signer(dev.signer.secretKey), deviceId: dev.deviceId });
    const rec = await log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
    const seal = await log.seal();
    const line = JSON.stringify({ records: [rec], seals: [seal] });
    for (const body of [line.replace('"outcome":"success"', '"outcome":"denied","outcome":"success"'), line.replace('"outcome":', '"target":{},"outcome":')]) {
      const res = await rawRequest(env.server.url, 'POST', ROUTES.auditRecords, signRequest(dev, 'POST', ROUTES.auditRecords, body), body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(['invalid_input', 'audit_rejected']).toContain(res.json.error?.code);
    }
    expect(await dev.api.auditState()).toEqual({ nextSeq: 1, lastHash: null });
    expect((await rawRequest(env.server.url, 'POST', ROUTES.auditRecords, signRequest(dev, 'POST', ROUTES.auditRecords, line), line)).status).toBe(200);
  });
});
