/**
 * Format v3 (records hash-chained, the chain head signed per segment by a seal): every
 * kind of damage an export can suffer is named with its own reason at the first bad
 * line, exactly as for v1/v2 — and a forger without the device key cannot make a
 * rewritten chain verify by re-hashing it, nor by re-signing its seal.
 */
import { describe, expect, it } from 'vitest';
import { computeRecordHashHex, createEd25519Signer, verifyChain, type AuditRecord, type AuditSeal } from '../../../src/core/audit';
import { signSeal } from '../../../src/core/audit/seal';
import { interleavedV3Log, keysOf, makeV3Device, seedKey } from './fixtures';

type Item = AuditRecord | AuditSeal;
const isSeal = (x: Item): x is AuditSeal => 'type' in x;

async function twoDevices() {
  const a = makeV3Device('device-a', 51);
  const b = makeV3Device('device-b', 52);
  const items = await interleavedV3Log([a, b], 8, 4);
  return { a, b, items, publicKeyFor: keysOf([a, b]) };
}

const indexOf = (items: Item[], device: string, seq: number, seal = false) => items.findIndex((x) => x.device === device && x.seq === seq && isSeal(x) === seal);

describe('v3 chain verification', () => {
  it('an honest interleaved export of two devices, with seals every 4 records, verifies', async () => {
    const { items, publicKeyFor } = await twoDevices();
    expect(items.filter(isSeal)).toHaveLength(4);
    const r = verifyChain(items, { publicKeyFor });
    expect(r).toMatchObject({ ok: true, count: 16 });
    if (r.ok) expect(r.seals).toHaveLength(4);
  });

  it('a tampered record is bad_hash at that record', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const i = indexOf(items, 'device-a', 3);
    const t = items.slice();
    t[i] = { ...(t[i] as AuditRecord), outcome: 'denied' };
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'bad_hash', index: i, device: 'device-a', seq: 3 });
  });

  it('a dropped record is a gap at the next record of that device', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const t = items.filter((_, k) => k !== indexOf(items, 'device-a', 2));
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'gap', device: 'device-a', seq: 3, index: indexOf(t, 'device-a', 3) });
  });

  it('two swapped records are a reorder', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const t = items.slice();
    const i = indexOf(t, 'device-b', 2);
    const j = indexOf(t, 'device-b', 3);
    [t[i], t[j]] = [t[j]!, t[i]!];
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'reorder', device: 'device-b', seq: 3, index: i });
  });

  it('a seal moved before the records it covers is a reorder; records cut below a kept seal are truncated', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const s = indexOf(items, 'device-a', 4, true);
    const moved = items.slice();
    const [seal] = moved.splice(s, 1);
    moved.splice(indexOf(moved, 'device-a', 3), 0, seal!);
    expect(verifyChain(moved, { publicKeyFor })).toMatchObject({ ok: false, reason: 'reorder', device: 'device-a', seq: 4 });
    // The export cut after device-a's record 6, but its last seal (over 8) kept.
    const cut = items.filter((x) => !(x.device === 'device-a' && !isSeal(x) && x.seq > 6));
    expect(verifyChain(cut, { publicKeyFor })).toMatchObject({ ok: false, reason: 'truncated', device: 'device-a', seq: 8, index: indexOf(cut, 'device-a', 8, true) });
  });

  it('records whose seal was removed are unsealed, named at the first of them', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const t = items.filter((_, k) => k !== indexOf(items, 'device-b', 8, true));
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'unsealed', device: 'device-b', seq: 5, index: indexOf(t, 'device-b', 5) });
    // Unless the reader is the device itself, looking at its own newest records.
    expect(verifyChain(t, { publicKeyFor, unsealedTail: 'allow' }).ok).toBe(true);
  });

  it('a rewritten chain, re-hashed and re-linked, does not match the seal the device signed (seal_mismatch)', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const t = items.slice();
    let prev = (t[indexOf(t, 'device-a', 4)] as AuditRecord).hash;
    for (let seq = 5; seq <= 8; seq++) {
      const k = indexOf(t, 'device-a', seq);
      const r = { ...(t[k] as AuditRecord), prevHash: prev, ...(seq === 6 ? { outcome: 'denied' as const } : {}) };
      r.hash = computeRecordHashHex(r);
      t[k] = r;
      prev = r.hash;
    }
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'seal_mismatch', device: 'device-a', seq: 8, index: indexOf(t, 'device-a', 8, true) });

    // Re-signing the seal over the rewritten head with any other key is bad_signature.
    const k = indexOf(t, 'device-a', 8, true);
    t[k] = await signSeal({ device: 'device-a', seq: 8, hash: prev, time: (t[k] as AuditSeal).time }, createEd25519Signer(seedKey(99)));
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'bad_signature', device: 'device-a', seq: 8, index: k });
  });

  it('a seal of one device cannot cover another device’s records', async () => {
    const { a, items, publicKeyFor } = await twoDevices();
    const t = items.slice();
    const k = indexOf(t, 'device-b', 4, true);
    const bSeal = t[k] as AuditSeal;
    // device-a's key signing device-b's head: valid Ed25519, wrong device key.
    const signer = createEd25519Signer(seedKey(51));
    expect(signer.publicKey).toEqual(a.publicKey);
    t[k] = await signSeal({ device: 'device-b', seq: 4, hash: bSeal.hash, time: bSeal.time }, signer);
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'bad_signature', device: 'device-b', index: k });
  });

  it('a seal repeated later, or over records already sealed, is stale', async () => {
    const { items, publicKeyFor } = await twoDevices();
    const seal = items[indexOf(items, 'device-a', 4, true)]!;
    const t = [...items, seal];
    expect(verifyChain(t, { publicKeyFor })).toMatchObject({ ok: false, reason: 'stale', device: 'device-a', seq: 4, index: t.length - 1 });
  });
});
