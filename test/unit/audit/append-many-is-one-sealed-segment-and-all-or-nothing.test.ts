/**
 * AuditLog.appendMany (an import's audit): the events become consecutive records of the
 * same chain, covered by one seal, verifying like single appends; one refused event
 * stores none of them; single appends continue the chain after it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, createAuditLog, createEd25519Signer, verifyChain, type AuditEventInput } from '../../../src/core/audit';
import { nodeSha256 } from '../../../src/node/verify.node.js';

const ev = (i: number): AuditEventInput => ({
  action: 'item.create',
  actor: { type: 'person' },
  target: { itemId: `${'A'.repeat(18)}${String(i).padStart(4, '0')}` },
  outcome: 'success',
});

describe('AuditLog.appendMany', () => {
  it('stores the events in one write, sealed every 256 and at the end, then single appends continue the chain', async () => {
    const store = new MemoryAuditStore();
    const signer = createEd25519Signer(new Uint8Array(32).fill(7));
    const log = createAuditLog({ store, signer, deviceId: 'dev-1', sha256: nodeSha256 });
    await log.append(ev(0));
    const made = await log.appendMany(Array.from({ length: 500 }, (_, i) => ev(i + 1)));
    expect(made.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 2));
    const seals = await store.seals(1, 10_000);
    // Sealed every 256 records (counted from its own first record) and at its end, as single appends would be.
    expect(seals.map((s) => s.seq)).toEqual([257, 501]);
    await log.append(ev(999));
    await log.seal();
    const items = [...(await store.range(1, 10_000)), ...(await store.seals(1, 10_000))].sort((a, b) => a.seq - b.seq || ('type' in a ? 1 : -1));
    const check = verifyChain(items, { publicKeyFor: (d) => (d === 'dev-1' ? signer.publicKey : undefined) });
    expect(check.ok && check.count).toBe(502);
  });

  it('stores nothing when one event of the batch is refused', async () => {
    const store = new MemoryAuditStore();
    const log = createAuditLog({ store, signer: createEd25519Signer(new Uint8Array(32).fill(8)), deviceId: 'dev-2' });
    const bad = { ...ev(2), value: 'hunter2' } as unknown as AuditEventInput;
    await expect(log.appendMany([ev(1), bad, ev(3)])).rejects.toThrow(/field value/);
    expect(await store.last()).toBeUndefined();
    const r = await log.append(ev(4));
    expect(r.seq).toBe(1);
  });
});
