/**
 * The server verifies every uploaded audit record with the audit library: a tampered,
 * dropped, reordered, forked or foreign record is refused and nothing of that batch is
 * stored; an honest retry is accepted once. Signed checkpoints and inclusion proofs
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
  recordSignatureInput,
  verifyCheckpointSignature,
  verifyCheckpoints,
  verifyInclusion,
  type AuditLog,
  type AuditRecord,
} from '../../../src/core/audit';
import { uploadPendingAudit } from '../../../src/core/sync';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { exportRecords } from '../../../src/server/audit/store';
import { listCheckpoints } from '../../../src/server/audit/checkpoints';
import { enrolTestDevice, newTenant, type TestDevice, useTestServer } from './helpers';

const env = useTestServer();

function logFor(dev: TestDevice): AuditLog {
  return createAuditLog({ store: new MemoryAuditStore(), signer: createEd25519Signer(dev.signer.secretKey), deviceId: dev.deviceId });
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
    expect(await uploadPendingAudit(dev.api, log)).toBe(5);
    expect(await dev.api.uploadAudit(recs)).toEqual({ accepted: 0, nextSeq: 6 });
    expect(await dev.api.auditState()).toEqual({ nextSeq: 6, lastHash: recs[4]!.hash });
  });

  it('refuses tampered, dropped, reordered, forked and foreign records, storing none of them', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const other = await enrolTestDevice(env.server, t.orgId, t.userId);
    const log = logFor(dev);
    const [r1, r2, r3, r4] = await appendN(log, 4);
    await dev.api.uploadAudit([r1!, r2!]);

    // Tampered content (hash no longer matches), and tampered + re-hashed (signature no longer matches).
    const edited = { ...r3!, outcome: 'denied' as const };
    expect(await refusal(dev.api.uploadAudit([edited, r4!]))).toEqual({ code: 'audit_rejected', reason: 'bad_hash' });
    const rehashed = { ...edited, hash: computeRecordHashHex(edited) };
    expect(await refusal(dev.api.uploadAudit([rehashed, r4!]))).toEqual({ code: 'audit_rejected', reason: 'bad_signature' });
    // Dropped record 3.
    expect(await refusal(dev.api.uploadAudit([r4!]))).toEqual({ code: 'audit_rejected', reason: 'gap' });
    // Reordered.
    expect(await refusal(dev.api.uploadAudit([r4!, r3!]))).toEqual({ code: 'audit_rejected', reason: 'reorder' });
    // Fork: a different, validly signed record 2.
    const signer = createEd25519Signer(dev.signer.secretKey);
    const alt = { ...r2!, action: 'vault.lock' as const, target: undefined };
    delete (alt as { target?: unknown }).target;
    const altHash = computeRecordHashHex(alt);
    const forked: AuditRecord = { ...alt, hash: altHash, sig: Buffer.from(await signer.sign(recordSignatureInput(hexToBytes(altHash)))).toString('hex') };
    expect(await refusal(dev.api.uploadAudit([forked, r3!]))).toEqual({ code: 'audit_rejected', reason: 'fork' });
    // Another device uploading this device's records.
    expect((await refusal(other.api.uploadAudit([r3!]))).code).toBe('audit_rejected');

    expect((await dev.api.auditState()).nextSeq).toBe(3);
    expect(await dev.api.uploadAudit([r3!, r4!])).toEqual({ accepted: 2, nextSeq: 5 });
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

    const exported = await env.db.asTenant(t.orgId, (sql) => exportRecords(sql, t.orgId));
    const cps = await listCheckpoints(env.db, t.orgId);
    expect(verifyCheckpoints(exported, cps, { serverKeys: [key], log: t.orgId })).toMatchObject({ ok: true, coveredRecords: 5 });
    // The server (or someone with its database) silently deletes one record: the kept checkpoint proves it.
    const trimmed = exported.filter((_, i) => i !== 1);
    expect(verifyCheckpoints(trimmed, cps, { serverKeys: [key], log: t.orgId })).toMatchObject({ ok: false });
  });
});
