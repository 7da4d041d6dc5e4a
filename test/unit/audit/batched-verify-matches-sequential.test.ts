/**
 * The Node fast paths give the same answers as the reference ones: the node:crypto
 * signer makes byte-identical signatures to noble's (Ed25519 is deterministic), and
 * verifyChainBatched on worker threads names the same first bad record, with the same
 * reason, as verifyChain — for an honest log and for every kind of damage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore, computeRecordHashHex, createEd25519Signer, verifyChain, verifyChainBatched, type AuditRecord } from '../../../src/core/audit';
import { createNodeEd25519Signer, createParallelEd25519Verifier } from '../../../src/node/verify.node.js';
import { interleavedLog, keysOf, makeDevice, sampleEvent, seedKey, testClock } from './fixtures';
import { createV2AuditLog } from './fixtures';

const pool = createParallelEd25519Verifier(2);
afterAll(() => pool.close());

describe('node:crypto signer', () => {
  it('has the same public key and makes the same signatures as the noble signer', () => {
    const msg = new Uint8Array([1, 2, 3]);
    const noble = createEd25519Signer(seedKey(31));
    const node = createNodeEd25519Signer(seedKey(31));
    expect(Buffer.from(node.publicKey).toString('hex')).toBe(Buffer.from(noble.publicKey).toString('hex'));
    expect(Buffer.from(node.sign(msg) as Uint8Array).toString('hex')).toBe(Buffer.from(noble.sign(msg) as Uint8Array).toString('hex'));
  });
});

describe('verifyChainBatched on worker threads', async () => {
  const a = makeDevice('device-a', 32);
  const b = makeDevice('device-b', 33);
  const log = await interleavedLog([a, b], 8);
  const publicKeyFor = keysOf([a, b]);
  const store = new MemoryAuditStore();
  await store.add(log[0]!);
  const twin = createV2AuditLog({ store, signer: createNodeEd25519Signer(seedKey(32)), deviceId: 'device-a', clock: testClock });
  const forkRecord = await twin.append(sampleEvent(2));

  const edited = { ...log[9]!, reason: 'internal' as const };
  const swap = (xs: AuditRecord[], i: number, j: number) => {
    const t = xs.slice();
    [t[i], t[j]] = [t[j]!, t[i]!];
    return t;
  };
  const cases: [string, unknown[]][] = [
    ['honest', log],
    ['tampered', log.map((r, i) => (i === 7 ? { ...r, outcome: 'denied' } : r))],
    ['re-hashed without the key', log.map((r, i) => (i === 9 ? { ...edited, hash: computeRecordHashHex(edited) } : r))],
    ['signature swapped', log.map((r, i) => (i === 12 ? { ...r, sig: log[10]!.sig } : r))],
    ['dropped', log.filter((_, i) => i !== 6)],
    ['reordered', swap(log, 6, 8)],
    ['forked', [...log.slice(0, 5), forkRecord]],
    ['malformed', [...log.slice(0, 3), { nope: true }]],
    ['bad signature before a malformed record', [...log.slice(0, 2).map((r, i) => (i === 1 ? { ...r, sig: log[0]!.sig } : r)), { nope: true }]],
  ];
  it.each(cases)('%s: same verdict as verifyChain', async (_name, records) => {
    const expected = verifyChain(records, { publicKeyFor });
    const actual = await verifyChainBatched(records, { publicKeyFor, verifyMany: pool.verifyMany, chunkSize: 3 });
    expect(actual.ok).toBe(expected.ok);
    if (!expected.ok && !actual.ok) expect(actual).toEqual(expected);
    if (expected.ok && actual.ok) expect(actual.count).toBe(expected.count);
  });
});
