/**
 * AuditLog over both stores (memory, Dexie on fake-indexeddb): dense sequence numbers
 * even for concurrent appends, a reopened store continues the same chain, a stored
 * seq is never rewritten, and upload bookkeeping (pending / acknowledge) survives.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore, auditSinkFor, createAuditLog, createEd25519Signer, verifyChain, type AuditStore } from '../../../src/core/audit';
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

describe.each(stores)('AuditLog on the %s store', (_name, makeStore) => {
  it('concurrent appends get dense sequence numbers and form a valid chain', async () => {
    const store = makeStore();
    const log = createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock });
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(sampleEvent(i))));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const all = await store.range(1, 100);
    expect(verifyChain(all, { publicKeyFor }).ok).toBe(true);
  });

  it('a reopened store continues the same chain', async () => {
    const store = makeStore();
    await createAuditLog({ store, signer, deviceId: 'dev-s', clock: testClock }).append(sampleEvent(0));
    const again = store.reopen();
    const r = await createAuditLog({ store: again, signer, deviceId: 'dev-s', clock: testClock }).append(sampleEvent(1));
    expect(r.seq).toBe(2);
    expect(verifyChain(await again.range(1, 10), { publicKeyFor }).ok).toBe(true);
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
    expect((await log.pending(3)).map((r) => r.seq)).toEqual([1, 2, 3]);
    await log.acknowledge(3);
    await log.acknowledge(2);
    expect((await log.pending(10)).map((r) => r.seq)).toEqual([4, 5]);
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
