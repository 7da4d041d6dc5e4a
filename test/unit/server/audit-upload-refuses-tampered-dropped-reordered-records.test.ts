/**
 * The server verifies every uploaded audit record and seal (format v3) with the audit
 * library: a tampered, dropped, reordered, forked, unsealed, re-hashed, re-signed or
 * foreign record is refused and nothing of that batch is stored; an honest retry is
 * accepted once. Signed checkpoints and inclusion proofs
 * make a later deletion on the server provable.
 */
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '@noble/hashes/utils.js';
import {
  MemoryAuditStore,
  auditLeafHash,
  checkpointSchema,
  computeRecordHashHex,
  createAuditLog,
  createEd25519Signer,
  verifyCheckpointConsistency,
  verifyCheckpointSignature,
  verifyRecordInclusion,
  verifyCheckpoints,
  verifyInclusion,
  type AuditLog,
  type AuditRecord,
} from '../../../src/core/audit';
import { signSeal } from '../../../src/core/audit/seal';
import { uploadPendingAudit } from '../../../src/core/sync';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { exportRecords } from '../../../src/server/audit/store';
import { listCheckpoints } from '../../../src/server/audit/checkpoints';
import { enrolTestDevice, newTenant, type TestDevice, useTestServer } from './helpers';

const env = useTestServer();

function logFor(dev: TestDevice): AuditLog {
  return createAuditLog({ store: new MemoryAuditStore(), signer: createEd25519Signer(dev.signer.secretKey), deviceId: dev.deviceId, sealEvery: { records: 1000, ms: 3_600_000 } });
}
async function appendN(log: AuditLog, n: number): Promise<AuditRecord[]> {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await log.append({ action: 'item.reveal', actor: { type: 'person' }, target: { itemId: 'A'.repeat(22), field: 'password' }, outcome: 'success' }));
  return out;
}
async function refusal(p: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  const e = (await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (x: unknown) => x,
  )) as { code: string; details?: { reason?: unknown } };
  return { code: e.code, reason: e.details?.reason };
}

describe('audit upload', () => {
  it('accepts an honest chain once, and a retried batch without duplicating it', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const log = logFor(dev);
    const recs = await appendN(log, 5);
    const seal = (await log.pending(100)).seals;
    expect(await uploadPendingAudit(dev.api, log)).toBe(5);
    expect(await dev.api.uploadAudit(recs, seal)).toEqual({ accepted: 0, nextSeq: 6 });
    expect(await dev.api.auditState()).toEqual({ nextSeq: 6, lastHash: recs[4]!.hash });
  });

  it('refuses tampered, dropped, reordered, forked and foreign records, storing none of them', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const other = await enrolTestDevice(env.server, t.orgId, t.userId);
    const log = logFor(dev);
    const [r1, r2, r3, r4] = await appendN(log, 4);
    const first = await log.pending(2);
    expect(first.records).toEqual([r1, r2]);
    await dev.api.uploadAudit(first.records, first.seals);
    await log.acknowledge(2);
    const seal4 = (await log.pending(10)).seals;
    expect(seal4.map((x) => x.seq)).toEqual([4]);

    // Tampered content (hash no longer matches).
    const edited = { ...r3!, outcome: 'denied' as const };
    expect(await refusal(dev.api.uploadAudit([edited, r4!], seal4))).toEqual({ code: 'audit_rejected', reason: 'bad_hash' });
    // Tampered, re-hashed and re-linked: the device's seal was over another head.
    const rehashed = { ...edited, hash: computeRecordHashHex(edited) };
    const relinked = { ...r4!, prevHash: rehashed.hash };
    const relinkedR4 = { ...relinked, hash: computeRecordHashHex(relinked) };
    expect(await refusal(dev.api.uploadAudit([rehashed, relinkedR4], seal4))).toEqual({ code: 'audit_rejected', reason: 'seal_mismatch' });
    // ... and a seal over it re-signed by any other key.
    const resigned = await signSeal({ device: dev.deviceId, seq: 4, hash: relinkedR4.hash, time: seal4[0]!.time }, createEd25519Signer(new Uint8Array(32).fill(9)));
    expect(await refusal(dev.api.uploadAudit([rehashed, relinkedR4], [resigned]))).toEqual({ code: 'audit_rejected', reason: 'bad_signature' });
    // Records without the seal over them: the server never holds an unsigned record.
    expect(await refusal(dev.api.uploadAudit([r3!, r4!]))).toEqual({ code: 'audit_rejected', reason: 'unsealed' });
    // Dropped record 3.
    expect(await refusal(dev.api.uploadAudit([r4!], seal4))).toEqual({ code: 'audit_rejected', reason: 'gap' });
    // Reordered.
    expect(await refusal(dev.api.uploadAudit([r4!, r3!], seal4))).toEqual({ code: 'audit_rejected', reason: 'reorder' });
    // Fork: a different record 2.
    const alt = { ...r2!, action: 'vault.lock' as const, target: undefined };
    delete (alt as { target?: unknown }).target;
    const forked: AuditRecord = { ...alt, hash: computeRecordHashHex(alt) };
    expect(await refusal(dev.api.uploadAudit([forked, r3!], seal4))).toEqual({ code: 'audit_rejected', reason: 'fork' });
    // A seq that is no whole number: refused as such, not an internal error from the database.
    const fractional: AuditRecord = { ...r3!, seq: 2.5 };
    expect((await refusal(dev.api.uploadAudit([fractional, r4!], seal4))).code).toBe('audit_rejected');
    // Another device uploading this device's records.
    expect((await refusal(other.api.uploadAudit([r3!, r4!], seal4))).code).toBe('audit_rejected');

    expect((await dev.api.auditState()).nextSeq).toBe(3);
    expect(await dev.api.uploadAudit([r3!, r4!], seal4)).toEqual({ accepted: 2, nextSeq: 5 });
  });

  it('signs checkpoints whose proofs verify, and that expose a record later deleted on the server', async () => {
    const t = await newTenant(env.db);
    const d1 = await enrolTestDevice(env.server, t.orgId, t.userId);
    const d2 = await enrolTestDevice(env.server, t.orgId, t.userId);
    const l1 = logFor(d1);
    const l2 = logFor(d2);
    await appendN(l1, 3);
    await appendN(l2, 2);
    await uploadPendingAudit(d1.api, l1);
    await uploadPendingAudit(d2.api, l2);
    await env.server.checkpointNow();

    const { checkpoint, serverPublicKey } = await d1.api.checkpoint();
    const cp = checkpointSchema.parse(checkpoint);
    const key = fromBase64url(serverPublicKey);
    expect(cp).toMatchObject({ log: t.orgId, size: 5 });
    expect(verifyCheckpointSignature(cp, key)).toBe(true);

    const proof = await d1.api.proof(d2.deviceId, 2);
    expect(
      verifyInclusion(
        auditLeafHash({ hash: proof.recordHash }),
        proof.logIndex,
        proof.treeSize,
        proof.path.map((h) => hexToBytes(h)),
        hexToBytes(cp.root),
      ),
    ).toBe(true);

    const items = await env.db.asTenant(t.orgId, (sql) => exportRecords(sql, t.orgId));
    // The export places each device's seal right after the record it ends on; leaves are the records.
    expect(items.filter((x) => 'type' in x).map((x) => [x.device, x.seq])).toEqual([
      [d1.deviceId, 3],
      [d2.deviceId, 2],
    ]);
    const exported = items.filter((x): x is AuditRecord => !('type' in x));
    const cps = await listCheckpoints(env.db, t.orgId);
    expect(verifyCheckpoints(exported, cps, { serverKeys: [key], log: t.orgId })).toMatchObject({ ok: true, coveredRecords: 5 });
    // The server (or someone with its database) silently deletes one record: the kept checkpoint proves it.
    const trimmed = exported.filter((_, i) => i !== 1);
    expect(verifyCheckpoints(trimmed, cps, { serverKeys: [key], log: t.orgId })).toMatchObject({ ok: false });

    // The log grows; the server proves the new tree head extends the one the device kept.
    await appendN(l1, 4);
    await uploadPendingAudit(d1.api, l1);
    await env.server.checkpointNow();
    const grown = await d1.api.consistency(5);
    expect(grown).toMatchObject({ oldSize: 5, newSize: 9 });
    const opts = { serverKeys: [key], log: t.orgId };
    const grownProof = { oldSize: grown.oldSize, newSize: grown.newSize, path: grown.path };
    expect(verifyCheckpointConsistency(cp, grown.newer, grownProof, opts)).toEqual({ ok: true });
    expect(grown.older).toEqual(cp);
    // ...and the inclusion proof from the route checks out against the newest head.
    const latest = checkpointSchema.parse((await d1.api.checkpoint()).checkpoint);
    const p9 = await d1.api.proof(d1.deviceId, 7);
    expect(verifyRecordInclusion({ hash: p9.recordHash }, p9, latest, opts)).toEqual({ ok: true });
    // A forged proof (one path element changed) is refused.
    const forged = { ...grownProof, path: grownProof.path.map((h, i) => (i === 0 ? (h[0] === 'a' ? 'b' : 'a') + h.slice(1) : h)) };
    expect(verifyCheckpointConsistency(cp, grown.newer, forged, opts)).toMatchObject({ ok: false, reason: 'bad_proof' });
    await expect(d1.api.consistency(4)).rejects.toMatchObject({ code: 'not_found' });
  });
});
