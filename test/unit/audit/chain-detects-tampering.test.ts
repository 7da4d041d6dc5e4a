/**
 * verifyChain and verifyAppend: an honest chain verifies; every way of breaking it
 * (tampered, re-hashed without the key, dropped, reordered, forked, duplicated, signed
 * by the wrong key, foreign device) is caught and named at the first bad record.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  GENESIS_PREV_HASH,
  MemoryAuditStore,
  computeRecordHash,
  computeRecordHashHex,
  recordSignatureInput,
  createEd25519Signer,
  verifyAppend,
  verifyChain,
  type AuditRecord,
  type ChainResult,
} from '../../../src/core/audit';
import { createNodeEd25519Verifier } from '../../../src/node/verify.node.js';
import { interleavedLog, keysOf, makeDevice, sampleEvent, seedKey, testClock } from './fixtures';
import { createV2AuditLog } from './fixtures';

const a = makeDevice('device-a', 1);
const b = makeDevice('device-b', 2);
const log = await interleavedLog([a, b], 6); // a1 b1 a2 b2 … a6 b6
const publicKeyFor = keysOf([a, b]);

function failure(r: ChainResult) {
  if (r.ok) throw new Error('expected a failure');
  return { index: r.index, device: r.device, seq: r.seq, reason: r.reason };
}

describe('verifyChain', () => {
  it('accepts an honest interleaved log of two devices, with noble and with node:crypto', () => {
    for (const verifier of [undefined, createNodeEd25519Verifier()]) {
      const r = verifyChain(log, { publicKeyFor, ...(verifier ? { verifier } : {}) });
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.count).toBe(12);
        expect(r.heads.get('device-a')).toEqual({ seq: 6, hash: log[10]!.hash });
      }
    }
  });

  it('first records start the chain at seq 1 from the all-zero genesis hash', () => {
    expect(log[0]).toMatchObject({ seq: 1, device: 'device-a', prevHash: GENESIS_PREV_HASH });
    expect(log[2]!.prevHash).toBe(log[0]!.hash);
  });

  it('a tampered field is detected as bad_hash at that record', () => {
    const t = log.slice();
    t[4] = { ...t[4]!, outcome: 'denied' };
    expect(failure(verifyChain(t, { publicKeyFor }))).toEqual({ index: 4, device: 'device-a', seq: 3, reason: 'bad_hash' });
  });

  it('a tampered record re-hashed by someone without the key is detected as bad_signature', () => {
    const t = log.slice();
    const edited = { ...t[4]!, reason: 'internal' as const };
    t[4] = { ...edited, hash: computeRecordHashHex(edited) };
    expect(failure(verifyChain(t, { publicKeyFor })).reason).toBe('bad_signature');
  });

  it('a dropped record is detected as a gap at the next record of that device', () => {
    const t = log.filter((_, i) => i !== 4); // drop a3
    expect(failure(verifyChain(t, { publicKeyFor }))).toEqual({ index: 5, device: 'device-a', seq: 4, reason: 'gap' });
  });

  it('reordered records are detected as reorder', () => {
    const t = log.slice();
    [t[4], t[6]] = [t[6]!, t[4]!]; // a4 before a3
    expect(failure(verifyChain(t, { publicKeyFor }))).toEqual({ index: 4, device: 'device-a', seq: 4, reason: 'reorder' });
  });

  it('a fork (two validly signed records with one seq) is detected as fork', async () => {
    // The same device key writes a second history from record 2 on (e.g. a restored backup).
    const store = new MemoryAuditStore();
    await store.add(log[0]!);
    const twin = createV2AuditLog({ store, signer: createEd25519Signer(seedKey(1)), deviceId: 'device-a', clock: testClock });
    const alt = await twin.append({ ...sampleEvent(3) });
    const t = [...log.slice(0, 3), alt];
    expect(failure(verifyChain(t, { publicKeyFor }))).toEqual({ index: 3, device: 'device-a', seq: 2, reason: 'fork' });
  });

  it('a repeated record is detected as duplicate', () => {
    const t = [...log.slice(0, 5), log[2]!];
    expect(failure(verifyChain(t, { publicKeyFor })).reason).toBe('duplicate');
  });

  it('records signed by another key than the device’s are refused (wrong key)', () => {
    const other = makeDevice('device-a', 9).publicKey;
    const r = verifyChain(log, { publicKeyFor: (d) => (d === 'device-a' ? other : publicKeyFor(d)) });
    expect(failure(r)).toEqual({ index: 0, device: 'device-a', seq: 1, reason: 'bad_signature' });
  });

  it('a device without a known key is refused', () => {
    expect(failure(verifyChain(log, { publicKeyFor: (d) => (d === 'device-b' ? undefined : publicKeyFor(d)) })).reason).toBe('unknown_device');
  });

  it('a record whose prevHash does not link to its predecessor is refused', () => {
    // The device key itself signs a seq 1 that claims a non-genesis predecessor.
    const signer = createEd25519Signer(seedKey(1));
    const badFirst = { ...log[0]!, prevHash: 'ab'.repeat(32) };
    const hash = computeRecordHash(badFirst);
    const sig = bytesToHex(signer.sign(recordSignatureInput(hash)) as Uint8Array);
    expect(failure(verifyChain([{ ...badFirst, hash: bytesToHex(hash), sig }], { publicKeyFor })).reason).toBe('bad_prev_link');
  });

  it('an extra field (e.g. a value slipped in) makes the record malformed', () => {
    const t = [{ ...log[0]!, value: 'hunter2' } as unknown as AuditRecord];
    expect(failure(verifyChain(t, { publicKeyFor })).reason).toBe('malformed');
  });

  it('continues from previously verified heads (previous) and refuses a record already covered', () => {
    const previous = new Map([
      ['device-a', { seq: 3, hash: log[4]!.hash }],
      ['device-b', { seq: 3, hash: log[5]!.hash }],
    ]);
    expect(verifyChain(log.slice(6), { publicKeyFor, previous }).ok).toBe(true);
    expect(failure(verifyChain(log.slice(5), { publicKeyFor, previous })).reason).toBe('duplicate');
  });
});

describe('verifyAppend (server upload check)', () => {
  const mine = log.filter((r) => r.device === 'device-a');
  const opts = { deviceId: 'device-a' };

  it('accepts a first batch and the next one, returning the new head', () => {
    const first = verifyAppend(undefined, mine.slice(0, 3), a.publicKey, opts);
    expect(first.ok && first.head).toEqual({ seq: 3, hash: mine[2]!.hash });
    const next = verifyAppend({ seq: 3, hash: mine[2]!.hash }, mine.slice(3), a.publicKey, opts);
    expect(next.ok && next.fresh.length).toBe(3);
  });

  it('refuses a batch that skips a record (gap) or starts with a reordered one', () => {
    const gap = verifyAppend({ seq: 3, hash: mine[2]!.hash }, mine.slice(4), a.publicKey, opts);
    expect(!gap.ok && gap.reason).toBe('gap');
    const reordered = verifyAppend({ seq: 3, hash: mine[2]!.hash }, [mine[4]!, mine[3]!, mine[5]!], a.publicKey, opts);
    expect(!reordered.ok && reordered.reason).toBe('reorder');
  });

  it('refuses a batch that rewrites the stored head (fork)', async () => {
    const store = new MemoryAuditStore();
    await store.add(mine[0]!);
    await store.add(mine[1]!);
    const twin = createV2AuditLog({ store, signer: createEd25519Signer(seedKey(1)), deviceId: 'device-a', clock: testClock });
    const alt = await twin.append(sampleEvent(4)); // another record 3
    const r = verifyAppend({ seq: 3, hash: mine[2]!.hash }, [alt], a.publicKey, opts);
    expect(!r.ok && r.reason).toBe('fork');
  });

  it('accepts a retried batch whose head part is already stored, storing only the new records', () => {
    const stored = new Map(mine.slice(0, 3).map((r) => [r.seq, r.hash] as const));
    const r = verifyAppend({ seq: 3, hash: mine[2]!.hash }, mine.slice(1), a.publicKey, { ...opts, stored });
    expect(r.ok && [r.alreadyHeld, r.fresh.map((x) => x.seq)]).toEqual([2, [4, 5, 6]]);
  });

  it('refuses a resent old record the server cannot compare (stale), rather than storing it', () => {
    const r = verifyAppend({ seq: 3, hash: mine[2]!.hash }, mine.slice(0, 4), a.publicKey, opts);
    expect(!r.ok && [r.reason, r.seq]).toEqual(['stale', 1]);
  });

  it('refuses another device’s records, even validly signed ones', () => {
    const theirs = log.filter((r) => r.device === 'device-b');
    const r = verifyAppend(undefined, theirs, b.publicKey, opts);
    expect(!r.ok && r.reason).toBe('wrong_device');
  });

  it('refuses a tampered record and a wrong key', () => {
    const t = [{ ...mine[0]!, action: 'item.delete' as const }];
    expect(verifyAppend(undefined, t, a.publicKey, opts)).toMatchObject({ ok: false, reason: 'bad_hash' });
    expect(verifyAppend(undefined, mine, b.publicKey, opts)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
