/**
 * AuditLog over both stores (memory, Dexie on fake-indexeddb): dense sequence numbers
 * even for concurrent appends, a reopened store continues the same chain, a stored
 * seq is never rewritten, and upload bookkeeping (pending / acknowledge) survives.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, auditSinkFor, createAuditLog, computeRecordHashHex, createEd25519Signer, verifyChain, type AuditRecord, type AuditStore } from '../../../src/core/audit';
import type { AuditEvent, AuditSink } from '../../../src/shared/contracts/engine';
import { createDexieAuditStore } from '../../../src/core/audit/audit-store.dexie';
import { sampleEvent, seedKey, testClock } from './fixtures';

const signer = createEd25519Signer(seedKey(7));
const publicKeyFor = (d: string) => (d === 'dev-s' ? signer.publicKey : undefined);
let dbCounter = 0;

const stores: [string, () => AuditStore & { reopen(): AuditStore }][] = [
  [
    'memory',
    () => {
      const s = new MemoryAuditStore();
      return Object.assign(s, { reopen: () => s });
    },
  ],
  [
    'dexie',
    () => {
      const name = `audit-test-${++dbCounter}`;
      const s = createDexieAuditStore({ name });
      return Object.assign(s, {
        reopen: () => {
          s.close();
          return createDexieAuditStore({ name });
        },
      });
    },
  ],
];

/** The stored chain as a verifier reads it: each seal right after the record it ends on. */
async function chainItems(store: AuditStore): Promise<unknown[]> {
  const records = await store.range(1, 10_000);
  const seals = await store.seals(1, Number.MAX_SAFE_INTEGER);
  return records.flatMap((r) => [r, ...seals.filter((s) => s.seq === r.seq)]);
}

describe.each(stores)('AuditLog on the %s store', (_name, makeStore) => {
  it('concurrent appends get dense sequence numbers and form a valid chain', async () => {
    const store = makeStore();
    const log = createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock });
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(sampleEvent(i))));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(records.every((r) => r.v === 3 && !('sig' in r))).toBe(true);
    // Appends sign nothing; until the head is sealed the chain does not verify as a whole.
    expect(verifyChain(await chainItems(store), { publicKeyFor })).toMatchObject({ ok: false, reason: 'unsealed', seq: 1 });
    expect((await log.seal())?.seq).toBe(20);
    expect(await log.seal()).toBeUndefined(); // nothing new to cover
    expect(verifyChain(await chainItems(store), { publicKeyFor }).ok).toBe(true);
  });

  it('seals every N records, and what a run left unsealed is sealed at the next start', async () => {
    const store = makeStore();
    const log = createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock, sealEvery: { records: 4, ms: 3_600_000 } });
    for (let i = 0; i < 10; i++) await log.append(sampleEvent(i));
    await log.head(); // let the queued seals run
    await new Promise((r) => setTimeout(r, 10));
    expect((await store.seals(1, 100)).map((s) => s.seq)).toEqual([4, 8]);
    // A new run (an app start) over the same store signs records 9 and 10 without being asked.
    const again = store.reopen();
    createAuditLog({ store: again, signer, deviceId: 'dev-s', clock: testClock });
    await new Promise((r) => setTimeout(r, 20));
    expect((await again.seals(1, 100)).map((s) => s.seq)).toEqual([4, 8, 10]);
    expect(verifyChain(await chainItems(again), { publicKeyFor }).ok).toBe(true);
  });

  it('a record changed in storage before its seal is not signed as changed', async () => {
    const store = makeStore();
    let lie: false | 'edit' | 'rehash' = false;
    const denied = (r: AuditRecord): AuditRecord => {
      const e = { ...r, outcome: 'denied' as const };
      return lie === 'rehash' ? { ...e, hash: computeRecordHashHex(e) } : e;
    };
    // The same store, except that once `lie` is set it shows the newest record edited (and maybe re-hashed).
    const edited: AuditStore = {
      last: async () => {
        const r = await store.last();
        return lie && r ? denied(r) : r;
      },
      range: async (a, n) => (await store.range(a, n)).map((r, i, all) => (lie && i === all.length - 1 ? denied(r) : r)),
      add: (r) => store.add(r),
      uploadedThrough: () => store.uploadedThrough(),
      setUploadedThrough: (n) => store.setUploadedThrough(n),
      addSeal: (x) => store.addSeal(x),
      lastSeal: () => store.lastSeal(),
      seals: (a, b) => store.seals(a, b),
    };
    const log = createAuditLog({ store: edited, signer, deviceId: 'dev-s', clock: testClock, sealEvery: { records: 1000, ms: 3_600_000 } });
    await log.append(sampleEvent(0));
    await log.append(sampleEvent(2));
    lie = 'rehash';
    // This run signs the head it computed itself: a re-hashed stored head is refused.
    await expect(log.seal()).rejects.toMatchObject({ code: 'integrity' });
    // The next start re-checks the unsealed tail before sealing it: the edit breaks its hash.
    lie = 'edit';
    const next = createAuditLog({ store: edited, signer, deviceId: 'dev-s', clock: testClock });
    await expect(next.seal()).rejects.toMatchObject({ code: 'integrity' });
    expect(await store.seals(1, 10)).toEqual([]);
  });

  it('refuses to rewrite a stored seq or to leave a gap', async () => {
    const store = makeStore();
    const log = createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock });
    const first = await log.append(sampleEvent(0));
    await expect(store.add({ ...first, outcome: 'denied' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.add({ ...first, seq: 5 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('pending returns unacknowledged records in order; acknowledge moves the mark forward only', async () => {
    const store = makeStore();
    const log = createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock });
    for (let i = 0; i < 5; i++) await log.append(sampleEvent(i));
    const first = await log.pending(3);
    expect(first.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    // The head is sealed before the batch, and the batch gets a seal at its own end.
    expect(first.seals.map((s) => s.seq)).toEqual([3]);
    expect(verifyChain([...first.records, ...first.seals], { publicKeyFor }).ok).toBe(true);
    await log.acknowledge(3);
    await log.acknowledge(2);
    const second = await log.pending(10);
    expect(second.records.map((r) => r.seq)).toEqual([4, 5]);
    expect(second.seals.map((s) => s.seq)).toEqual([5]);
    expect(await store.reopen().uploadedThrough()).toBe(3);
  });
});

describe('createAuditLog', () => {
  it("auditSinkFor(log) is the engine's AuditSink: engine events are accepted as they are", async () => {
    const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId: 'dev-s', clock: testClock });
    const sink: AuditSink = auditSinkFor(log); // what the composition root passes as createEngine({ audit })
    const events: AuditEvent[] = [
      { action: 'vault.unlock', actor: { type: 'person' }, outcome: 'failure', reason: 'wrong_password', target: { slotId: 'slot-1' } },
      { action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' },
      { action: 'slot.add', actor: { type: 'person' }, target: { slotId: 'abc' }, outcome: 'success', reason: 'recovery_code' },
    ];
    for (const e of events) await sink.append(e);
    expect((await log.head())?.seq).toBe(3);
  });

  it('refuses a device id that is not an id', () => {
    expect(() => createAuditLog({ store: new MemoryAuditStore(), signer, deviceId: 'has space' })).toThrow(/device id/);
  });
});
