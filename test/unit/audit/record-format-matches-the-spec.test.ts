/**
 * docs/audit-format.md §2–3 and §6, checked by an independent computation: the hash
 * input is the literal JCS text written out by hand here, hashed with node:crypto, and
 * the signatures verify with node:crypto over the documented byte strings.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, auditRecordSchema, createAuditLog, createEd25519Signer, signCheckpoint, verifyChain, type AuditRecord } from '../../../src/core/audit';
import { createV2AuditLog, seedKey } from './fixtures';

const spki = (raw: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });

describe('record and checkpoint bytes as documented', () => {
  it('record (v3) hash = SHA-256 of the JCS text, no sig; seal sig = Ed25519 over "latchkey/audit-seal/v1" 0x00 JCS(seal without sig)', async () => {
    const signer = createEd25519Signer(seedKey(43));
    const at = Date.UTC(2026, 0, 2, 3, 4, 6, 678);
    const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId: 'device-a', clock: { now: () => at } });
    const r = await log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
    const jcs = `{"action":"vault.lock","actor":{"type":"system"},"device":"device-a","outcome":"success","prevHash":"${'0'.repeat(64)}","reason":"idle","seq":1,"time":"2026-01-02T03:04:06.678Z","v":3}`;
    const hash = createHash('sha256').update(jcs, 'utf8').digest('hex');
    expect(r).toEqual({ ...(JSON.parse(jcs) as object), hash });
    const seal = (await log.seal())!;
    expect(seal).toMatchObject({ type: 'seal', v: 3, device: 'device-a', seq: 1, hash, time: '2026-01-02T03:04:06.678Z' });
    const sealJcs = `{"device":"device-a","hash":"${hash}","seq":1,"time":"2026-01-02T03:04:06.678Z","type":"seal","v":3}`;
    const signed = Buffer.concat([Buffer.from('latchkey/audit-seal/v1', 'utf8'), Buffer.of(0), Buffer.from(sealJcs, 'utf8')]);
    expect(verify(null, signed, spki(signer.publicKey), Buffer.from(seal.sig, 'hex'))).toBe(true);
    expect(verify(null, Buffer.from(sealJcs, 'utf8'), spki(signer.publicKey), Buffer.from(seal.sig, 'hex'))).toBe(false); // the context is required
  });

  it('record (v2) hash = SHA-256 of the JCS text; sig = Ed25519 over "latchkey/audit-record/v1" 0x00 hash', async () => {
    const signer = createEd25519Signer(seedKey(40));
    const log = createV2AuditLog({ store: new MemoryAuditStore(), signer, deviceId: 'device-a', clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 6, 678) } });
    const r = await log.append({
      action: 'credential.use',
      actor: { type: 'agent', id: 'claude-desktop' },
      target: { origin: 'https://api.example.com', itemId: 'AAAAAAAAAAAAAAAAAAAAAA', tool: 'http_request' },
      outcome: 'success',
      reason: 'approved_once',
    });
    const jcs =
      '{"action":"credential.use","actor":{"id":"claude-desktop","type":"agent"},"device":"device-a","outcome":"success",' +
      `"prevHash":"${'0'.repeat(64)}","reason":"approved_once","seq":1,"target":{"itemId":"AAAAAAAAAAAAAAAAAAAAAA","origin":"https://api.example.com","tool":"http_request"},` +
      '"time":"2026-01-02T03:04:06.678Z","v":2}';
    const hash = createHash('sha256').update(jcs, 'utf8').digest();
    expect(r.hash).toBe(hash.toString('hex'));
    const signed = Buffer.concat([Buffer.from('latchkey/audit-record/v1', 'utf8'), Buffer.of(0), hash]);
    expect(verify(null, signed, spki(signer.publicKey), Buffer.from(r.sig, 'hex'))).toBe(true);
    expect(verify(null, hash, spki(signer.publicKey), Buffer.from(r.sig, 'hex'))).toBe(false); // the context is required
  });

  it('a v1 record from an earlier build still verifies, and its chain continues in v2; v1 rules stay v1 and v2 rules v2', async () => {
    const signer = createEd25519Signer(seedKey(42));
    // Written by hand as a v1 device wrote it: a free identifier-token reason, no tool member.
    const jcs =
      '{"action":"credential.use","actor":{"id":"agent-1","type":"agent"},"device":"device-v1","outcome":"success",' +
      `"prevHash":"${'0'.repeat(64)}","reason":"downstream:fixture","seq":1,"target":{"origin":"https://api.example.com"},` +
      '"time":"2026-01-02T03:04:06.678Z","v":1}';
    const hash = createHash('sha256').update(jcs, 'utf8').digest();
    const sig = Buffer.from(await signer.sign(Buffer.concat([Buffer.from('latchkey/audit-record/v1', 'utf8'), Buffer.of(0), hash]))).toString('hex');
    const v1 = { ...(JSON.parse(jcs) as object), hash: hash.toString('hex'), sig } as unknown as AuditRecord;
    const store = new MemoryAuditStore();
    await store.add(v1);
    const log = createV2AuditLog({ store, signer, deviceId: 'device-v1' });
    const next = await log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
    expect(next).toMatchObject({ v: 2, seq: 2, prevHash: hash.toString('hex') });
    const publicKeyFor = (d: string) => (d === 'device-v1' ? signer.publicKey : undefined);
    expect(verifyChain([v1, next], { publicKeyFor }).ok).toBe(true);
    // The same free-token reason in a v2 record, or a v2 member in a v1 record, is malformed.
    expect(auditRecordSchema.safeParse({ ...v1, v: 2 }).success).toBe(false);
    expect(auditRecordSchema.safeParse({ ...v1, target: { origin: 'https://api.example.com', tool: 'http_request' } }).success).toBe(false);
    // And a v2 record cannot hold a reason outside the vocabulary.
    await expect(log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'http_request: always' } as never)).rejects.toThrow(/reason/);

    // The chain switches to v3 at the next record (what an upgraded build writes), and verifies whole once sealed.
    const v3log = createAuditLog({ store, signer, deviceId: 'device-v1', sealEvery: { records: 1000, ms: 3_600_000 } });
    const third = await v3log.append({ action: 'vault.unlock', actor: { type: 'person' }, outcome: 'success', reason: 'password' });
    const fourth = await v3log.append({ action: 'vault.lock', actor: { type: 'person' }, outcome: 'success', reason: 'user' });
    expect(third).toMatchObject({ v: 3, seq: 3, prevHash: next.hash });
    expect(verifyChain([v1, next, third, fourth], { publicKeyFor })).toMatchObject({ ok: false, reason: 'unsealed', seq: 3, index: 2 });
    const seal = (await v3log.seal())!;
    expect(verifyChain([v1, next, third, fourth, seal], { publicKeyFor }).ok).toBe(true);
    // No way back: a v2 record after a v3 one is refused, even validly signed.
    const back = await createV2AuditLog({ store, signer, deviceId: 'device-v1' }).append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
    expect(verifyChain([v1, next, third, fourth, seal, back], { publicKeyFor })).toMatchObject({ ok: false, reason: 'downgrade', seq: 5 });
  });

  it('checkpoint sig = Ed25519 over "latchkey/audit-checkpoint/v1" 0x00 JCS(checkpoint without sig); keyId = SHA-256(key)[0..8]', async () => {
    const server = createEd25519Signer(seedKey(41));
    const cp = await signCheckpoint({ log: 'org-1', size: 3, root: new Uint8Array(32).fill(0xab), time: '2026-01-02T03:04:05.000Z' }, server);
    const keyId = createHash('sha256').update(server.publicKey).digest().subarray(0, 8).toString('hex');
    expect(cp.keyId).toBe(keyId);
    const jcs = `{"keyId":"${keyId}","log":"org-1","root":"${'ab'.repeat(32)}","size":3,"time":"2026-01-02T03:04:05.000Z","v":1}`;
    const signed = Buffer.concat([Buffer.from('latchkey/audit-checkpoint/v1', 'utf8'), Buffer.of(0), Buffer.from(jcs, 'utf8')]);
    expect(verify(null, signed, spki(server.publicKey), Buffer.from(cp.sig, 'hex'))).toBe(true);
  });
});
