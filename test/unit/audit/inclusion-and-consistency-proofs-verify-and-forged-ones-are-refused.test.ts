/**
 * Checkpoints are RFC 9162 tree heads signed by the server: a verifier proves that a
 * record is in the log (inclusion) and that the log only grew between two checkpoints
 * (consistency). Every way of forging a proof is refused: an edited path element, a
 * wrong index or size, a proof for another record, a checkpoint the server did not
 * sign, and a "newer" checkpoint over a rewritten history.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { auditLeafHash, createEd25519Signer, merkleRoot, signCheckpoint, verifyCheckpointConsistency, verifyRecordInclusion, type Checkpoint } from '../../../src/core/audit';
import { consistencyProof, inclusionProof } from '../../../src/core/audit/merkle';
import { interleavedLog, makeDevice, seedKey } from './fixtures';

const server = createEd25519Signer(seedKey(60));
const options = { serverKeys: [server.publicKey], log: 'org-1' };
const T = '2026-01-02T03:04:05.000Z';

async function setup() {
  const records = await interleavedLog([makeDevice('device-a', 61), makeDevice('device-b', 62)], 7); // 14 records
  const leaves = records.map(auditLeafHash);
  const cp = (size: number, ls = leaves): Promise<Checkpoint> => signCheckpoint({ log: 'org-1', size, root: merkleRoot(ls, size), time: T }, server);
  const inclusion = (index: number, size: number) => ({
    logIndex: index,
    treeSize: size,
    recordHash: records[index]!.hash,
    path: inclusionProof(leaves, index, size).map((h) => bytesToHex(h)),
  });
  const consistency = (a: number, b: number, ls = leaves) => ({ oldSize: a, newSize: b, path: consistencyProof(ls, a, b).map((h) => bytesToHex(h)) });
  return { records, leaves, cp, inclusion, consistency };
}

describe('inclusion proofs', () => {
  it('prove every record of the log in a signed checkpoint', async () => {
    const { records, cp, inclusion } = await setup();
    const head = await cp(14);
    for (let i = 0; i < 14; i++) expect(verifyRecordInclusion(records[i]!, inclusion(i, 14), head, options)).toEqual({ ok: true });
    const older = await cp(5);
    expect(verifyRecordInclusion(records[4]!, inclusion(4, 5), older, options)).toEqual({ ok: true });
  });

  it('refuse an edited path, a wrong index, another record, a wrong size, and an unsigned or foreign checkpoint', async () => {
    const { records, cp, inclusion } = await setup();
    const head = await cp(14);
    const good = inclusion(6, 14);
    const flipped = { ...good, path: good.path.map((h, i) => (i === 1 ? (h[0] === '0' ? '1' : '0') + h.slice(1) : h)) };
    expect(verifyRecordInclusion(records[6]!, flipped, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyRecordInclusion(records[6]!, { ...good, logIndex: 7 }, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyRecordInclusion(records[7]!, good, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyRecordInclusion(records[6]!, { ...good, recordHash: records[7]!.hash }, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyRecordInclusion(records[6]!, { ...good, treeSize: 13 }, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyRecordInclusion(records[6]!, { ...good, path: good.path.slice(0, -1) }, head, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    // A root the server did not sign, and a checkpoint signed by another key.
    expect(verifyRecordInclusion(records[6]!, good, { ...head, root: 'ab'.repeat(32) }, options)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const other = await signCheckpoint({ log: 'org-1', size: 14, root: new Uint8Array(32), time: T }, createEd25519Signer(seedKey(63)));
    expect(verifyRecordInclusion(records[6]!, good, other, options)).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(verifyRecordInclusion(records[6]!, good, head, { ...options, log: 'org-2' })).toMatchObject({ ok: false, reason: 'wrong_log' });
    expect(verifyRecordInclusion(records[6]!, { ...good, path: 'nope' }, head, options)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('consistency proofs', () => {
  it('prove the log only grew between any two signed checkpoints', async () => {
    const { cp, consistency } = await setup();
    for (const [a, b] of [
      [1, 14],
      [4, 14],
      [5, 9],
      [8, 8],
      [13, 14],
    ] as const) {
      expect(verifyCheckpointConsistency(await cp(a), await cp(b), consistency(a, b), options), `${a}→${b}`).toEqual({ ok: true });
    }
  });

  it('refuse a newer checkpoint over rewritten history, an edited or swapped proof, and a mismatched size', async () => {
    const { leaves, cp, consistency } = await setup();
    const older = await cp(6);
    const newer = await cp(14);
    const good = consistency(6, 14);
    // The server drops record 3 and re-signs a tree head over what is left (plus one more): not an extension.
    const rewritten = [...leaves.slice(0, 3), ...leaves.slice(4), leaves[0]!];
    const forgedHead = await cp(14, rewritten);
    expect(verifyCheckpointConsistency(older, forgedHead, consistency(6, 14, rewritten), options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyCheckpointConsistency(older, forgedHead, good, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    const flipped = { ...good, path: good.path.map((h, i) => (i === 0 ? (h[0] === 'f' ? 'e' : 'f') + h.slice(1) : h)) };
    expect(verifyCheckpointConsistency(older, newer, flipped, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyCheckpointConsistency(newer, older, { oldSize: 14, newSize: 6, path: good.path }, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyCheckpointConsistency(older, newer, { ...good, oldSize: 5 }, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyCheckpointConsistency(older, newer, { ...good, path: [] }, options)).toMatchObject({ ok: false, reason: 'bad_proof' });
    expect(verifyCheckpointConsistency(older, { ...newer, size: 15 }, good, options)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
