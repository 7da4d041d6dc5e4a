/**
 * docs/audit-format.md §2–3 and §6, checked by an independent computation: the hash
 * input is the literal JCS text written out by hand here, hashed with node:crypto, and
 * the signatures verify with node:crypto over the documented byte strings.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, auditRecordSchema, createAuditLog, createEd25519Signer, signCheckpoint, verifyChain, type AuditRecord } from '../../../src/core/audit';
import { seedKey } from './fixtures';

const spki = (raw: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });

describe('record and checkpoint bytes as documented', () => {
  it('record (v2) hash = SHA-256 of the JCS text; sig = Ed25519 over "latchkey/audit-record/v1" 0x00 hash', async () => {
    const signer = createEd25519Signer(seedKey(40));
    const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId: 'device-a', clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 6, 678) } });
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
    const log = createAuditLog({ store, signer, deviceId: 'device-v1' });
    const next = await log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
    expect(next).toMatchObject({ v: 2, seq: 2, prevHash: hash.toString('hex') });
    const publicKeyFor = (d: string) => (d === 'device-v1' ? signer.publicKey : undefined);
    expect(verifyChain([v1, next], { publicKeyFor }).ok).toBe(true);
    // The same free-token reason in a v2 record, or a v2 member in a v1 record, is malformed.
    expect(auditRecordSchema.safeParse({ ...v1, v: 2 }).success).toBe(false);
    expect(auditRecordSchema.safeParse({ ...v1, target: { origin: 'https://api.example.com', tool: 'http_request' } }).success).toBe(false);
    // And a v2 writer cannot use a reason outside the vocabulary.
    await expect(log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'http_request: always' } as never)).rejects.toThrow(/field reason/);
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
