/**
 * Signed checkpoints over the server's log: they verify, stay consistent as the log
 * grows, and expose a server that later deletes, edits or reorders a covered record —
 * including one that deletes a device's last record, which no chain check can see.
 */
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '@noble/hashes/utils.js';
import {
  auditLeafHash,
  consistencyProof,
  createEd25519Signer,
  inclusionProof,
  merkleRoot,
  signCheckpoint,
  verifyAuditExport,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyInclusion,
  type AuditRecord,
  type Checkpoint,
} from '../../../src/core/audit';
import { interleavedLog, makeDevice, sampleEvent, seedKey } from './fixtures';

const server = createEd25519Signer(seedKey(50));
const a = makeDevice('device-a', 11);
const b = makeDevice('device-b', 12);
const log = await interleavedLog([a, b], 6);
const deviceKeys = new Map([
  [a.id, a.publicKey],
  [b.id, b.publicKey],
]);

async function checkpointOver(records: readonly AuditRecord[], size: number): Promise<Checkpoint> {
  return signCheckpoint({ log: 'org-1', size, root: merkleRoot(records.map(auditLeafHash), size), time: '2026-01-02T03:04:05.000Z' }, server);
}

const cp5 = await checkpointOver(log, 5);
const cp12 = await checkpointOver(log, 12);
const check = (records: readonly unknown[], checkpoints: readonly unknown[]) =>
  verifyAuditExport(records, { deviceKeys, serverKeys: [server.publicKey], checkpoints, log: 'org-1' });

describe('signed checkpoints', () => {
  it('verify under the server key and not under another, nor when altered', () => {
    expect(verifyCheckpointSignature(cp12, server.publicKey)).toBe(true);
    expect(verifyCheckpointSignature(cp12, createEd25519Signer(seedKey(51)).publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp12, size: 11 }, server.publicKey)).toBe(false);
  });

  it('an honest export matches every checkpoint', () => {
    expect(check(log, [cp12, cp5])).toEqual({ ok: true, records: 12, devices: 2, checkpoints: 2, coveredRecords: 12 });
  });

  it('later checkpoints are provably consistent with earlier ones as records are appended', async () => {
    const c = makeDevice('device-c', 13); // a third device joins; a and b stay untouched for later tests
    const more = [...log, await c.log.append(sampleEvent(1)), await c.log.append(sampleEvent(2))];
    const cp14 = await checkpointOver(more, 14);
    const leaves = more.map(auditLeafHash);
    for (const old of [cp5, cp12]) {
      const proof = consistencyProof(leaves, old.size, 14);
      expect(verifyConsistency(old.size, 14, hexToBytes(old.root), hexToBytes(cp14.root), proof)).toBe(true);
    }
    // A device can check its own record is covered, knowing only the checkpoint.
    const proof = inclusionProof(leaves, 7, 14);
    expect(verifyInclusion(auditLeafHash(more[7]!), 7, 14, proof, hexToBytes(cp14.root))).toBe(true);
  });

  it('a checkpoint exposes a deleted record that the chain cannot see (a device’s last record)', async () => {
    const trimmed = log.slice(0, 11); // the server drops device-b's record 6
    expect(verifyAuditExport(trimmed, { deviceKeys }).ok).toBe(true); // chain alone: looks fine
    expect(check(trimmed, [cp5, cp12])).toMatchObject({ kind: 'checkpoint', checkpoint: 1, reason: 'truncated', afterRecord: 5 });
  });

  it('a deleted record hidden behind newer records is exposed as a root mismatch', async () => {
    const a7 = await a.log.append(sampleEvent(3));
    const a8 = await a.log.append(sampleEvent(4));
    // The server drops device-b's record 6; device-a's later records make the export long enough again.
    const rewritten = [...log.slice(0, 11), a7, a8];
    const r = check(rewritten, [cp5, cp12]);
    expect(r).toMatchObject({ kind: 'checkpoint', checkpoint: 1, reason: 'root_mismatch', afterRecord: 5, beforeRecord: 12 });
  });

  it('a new checkpoint the server signs over the trimmed log is not consistent with the old one', async () => {
    const trimmed = log.slice(0, 11);
    const cpTrimmed = await checkpointOver(trimmed, 11);
    const leaves = trimmed.map(auditLeafHash);
    // Whatever proof the server offers from its log, the old head does not extend to the new one.
    expect(verifyConsistency(5, 11, hexToBytes(cp5.root), hexToBytes(cpTrimmed.root), consistencyProof(leaves, 5, 11))).toBe(true);
    expect(verifyConsistency(11, 12, hexToBytes(cpTrimmed.root), hexToBytes(cp12.root), [])).toBe(false);
    expect(check(trimmed, [cp12, cpTrimmed]).ok).toBe(false);
  });

  it('records reordered across devices keep each chain intact but break the checkpoint', () => {
    const swapped = log.slice();
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]; // a2 <-> b2 in log order
    expect(verifyAuditExport(swapped, { deviceKeys }).ok).toBe(true);
    expect(check(swapped, [cp5])).toMatchObject({ kind: 'checkpoint', reason: 'root_mismatch', afterRecord: 0, beforeRecord: 5 });
  });

  it('two signed checkpoints of one size with different roots (a server showing two histories) fail', async () => {
    const other = await signCheckpoint({ log: 'org-1', size: 12, root: new Uint8Array(32).fill(7), time: cp12.time }, server);
    expect(check(log, [cp12, other])).toMatchObject({ kind: 'checkpoint', checkpoint: 1, reason: 'root_mismatch' });
  });

  it('refuses checkpoints from an unknown key, with a bad signature, or for another log', async () => {
    const rogue = await signCheckpoint({ log: 'org-1', size: 12, root: hexToBytes(cp12.root), time: cp12.time }, createEd25519Signer(seedKey(52)));
    expect(check(log, [rogue])).toMatchObject({ kind: 'checkpoint', reason: 'unknown_key' });
    expect(check(log, [{ ...cp12, sig: cp5.sig }])).toMatchObject({ kind: 'checkpoint', reason: 'bad_signature' });
    const other = await signCheckpoint({ log: 'org-2', size: 12, root: hexToBytes(cp12.root), time: cp12.time }, server);
    expect(check(log, [other])).toMatchObject({ kind: 'checkpoint', reason: 'wrong_log' });
  });
});
