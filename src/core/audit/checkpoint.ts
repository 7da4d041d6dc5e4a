/**
 * Signed checkpoints: the org server periodically signs the Merkle tree head over
 * every record it holds (in the order it accepted them), as a transparency log does.
 * A later deletion, edit or reordering of a record the server already covered makes
 * the recomputed root differ from a checkpoint someone kept, which the server's own
 * signature then proves. Format in docs/audit-format.md §6.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { concatBytes, utf8ToBytes } from '../crypto/bytes';
import { jcsBytes } from './jcs';
import { MerkleAccumulator, merkleLeafHash, verifyConsistency, verifyInclusion } from './merkle';
import { auditTimeSchema, hashHexSchema, sigHexSchema, type AuditRecord } from './record';
import { nobleEd25519Verify, type AuditSigner, type SignatureVerifier } from './signer';

export const CHECKPOINT_VERSION = 1 as const;
export const CHECKPOINT_SIGNATURE_CONTEXT = 'latchkey/audit-checkpoint/v1';

const checkpointFields = {
  v: z.literal(CHECKPOINT_VERSION),
  /** Which log: the organisation (tenant) id on the server. */
  log: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'log id'),
  /** Number of leaves (records) covered. */
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** RFC 9162 Merkle tree hash of the first `size` leaves, lowercase hex. */
  root: hashHexSchema,
  time: auditTimeSchema,
  /** First 8 bytes of SHA-256(server public key), hex: which key signed (rotation). */
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'key id'),
};
export const unsignedCheckpointSchema = z.strictObject(checkpointFields);
export const checkpointSchema = z.strictObject({ ...checkpointFields, sig: sigHexSchema });
export type UnsignedCheckpoint = z.infer<typeof unsignedCheckpointSchema>;
export type Checkpoint = z.infer<typeof checkpointSchema>;

export function checkpointKeyId(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey).subarray(0, 8));
}

/** Bytes the server key signs: UTF-8 context, 0x00, JCS of the checkpoint without sig. */
export function checkpointSignatureInput(cp: UnsignedCheckpoint | Checkpoint): Uint8Array {
  const { v, log, size, root, time, keyId } = cp;
  return concatBytes(utf8ToBytes(CHECKPOINT_SIGNATURE_CONTEXT), new Uint8Array([0]), jcsBytes({ v, log, size, root, time, keyId }));
}

/** The Merkle leaf hash of a record: SHA-256(0x00 || record hash bytes). */
export function auditLeafHash(record: Pick<AuditRecord, 'hash'>): Uint8Array {
  return merkleLeafHash(hexToBytes(record.hash));
}

export async function signCheckpoint(head: { log: string; size: number; root: Uint8Array; time: string }, signer: AuditSigner): Promise<Checkpoint> {
  const unsigned = unsignedCheckpointSchema.parse({
    v: CHECKPOINT_VERSION,
    log: head.log,
    size: head.size,
    root: bytesToHex(head.root),
    time: head.time,
    keyId: checkpointKeyId(signer.publicKey),
  });
  const sig = await signer.sign(checkpointSignatureInput(unsigned));
  return { ...unsigned, sig: bytesToHex(sig) };
}

export function verifyCheckpointSignature(cp: Checkpoint, publicKey: Uint8Array, verifier: SignatureVerifier = nobleEd25519Verify): boolean {
  if (cp.keyId !== checkpointKeyId(publicKey)) return false;
  return verifier(hexToBytes(cp.sig), checkpointSignatureInput(cp), publicKey);
}

export type CheckpointFailureReason = 'malformed' | 'unknown_key' | 'bad_signature' | 'truncated' | 'root_mismatch' | 'wrong_log';

export interface CheckpointFailure {
  readonly ok: false;
  /** Index of the failing checkpoint in the input. */
  readonly checkpoint: number;
  readonly reason: CheckpointFailureReason;
  /**
   * Records [afterRecord, beforeRecord) (0-based positions in the export) hold the
   * difference: everything before `afterRecord` matched an earlier checkpoint.
   */
  readonly afterRecord?: number;
  readonly beforeRecord?: number;
  readonly message: string;
}

export type CheckpointCheck = { readonly ok: true; readonly verified: number; readonly coveredRecords: number } | CheckpointFailure;

/**
 * Checks signed checkpoints against an export in the server's log order: each
 * signature under a known server key, and each root equal to the root recomputed from
 * the export's first `size` records. A checkpoint larger than the export, or whose
 * root differs, proves records it covered were removed, altered or reordered.
 */
export function verifyCheckpoints(
  recordsInLogOrder: readonly Pick<AuditRecord, 'hash'>[],
  checkpoints: readonly unknown[],
  options: { serverKeys: readonly Uint8Array[]; log?: string; verifier?: SignatureVerifier },
): CheckpointCheck {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const keys = new Map(options.serverKeys.map((k) => [checkpointKeyId(k), k] as const));
  const parsed: { cp: Checkpoint; index: number }[] = [];
  for (let i = 0; i < checkpoints.length; i++) {
    const r = checkpointSchema.safeParse(checkpoints[i]);
    if (!r.success) return { ok: false, checkpoint: i, reason: 'malformed', message: `Checkpoint ${i + 1} is not a valid checkpoint.` };
    const cp = r.data;
    if (options.log !== undefined && cp.log !== options.log) {
      return { ok: false, checkpoint: i, reason: 'wrong_log', message: `Checkpoint ${i + 1} is for log ${cp.log}, not ${options.log}.` };
    }
    const key = keys.get(cp.keyId);
    if (!key) return { ok: false, checkpoint: i, reason: 'unknown_key', message: `Checkpoint ${i + 1} is signed by key ${cp.keyId}, which is not a trusted server key.` };
    if (!verifier(hexToBytes(cp.sig), checkpointSignatureInput(cp), key)) {
      return { ok: false, checkpoint: i, reason: 'bad_signature', message: `Checkpoint ${i + 1} (size ${cp.size}) has no valid server signature.` };
    }
    parsed.push({ cp, index: i });
  }
  parsed.sort((a, b) => a.cp.size - b.cp.size);
  const acc = new MerkleAccumulator();
  let lastGood = 0;
  for (const { cp, index } of parsed) {
    if (cp.size > recordsInLogOrder.length) {
      return {
        ok: false,
        checkpoint: index,
        reason: 'truncated',
        afterRecord: lastGood,
        beforeRecord: recordsInLogOrder.length,
        message: `Checkpoint ${index + 1} covers ${cp.size} records but the export holds only ${recordsInLogOrder.length}: records were removed.`,
      };
    }
    while (acc.size < cp.size) acc.push(auditLeafHash(recordsInLogOrder[acc.size]!));
    if (bytesToHex(acc.root()) !== cp.root) {
      return {
        ok: false,
        checkpoint: index,
        reason: 'root_mismatch',
        afterRecord: lastGood,
        beforeRecord: cp.size,
        message: `Checkpoint ${index + 1} (size ${cp.size}) does not match the export: a record at positions ${lastGood + 1}–${cp.size} was removed, altered or reordered.`,
      };
    }
    lastGood = cp.size;
  }
  return { ok: true, verified: parsed.length, coveredRecords: lastGood };
}

/** RFC 9162 inclusion proof of one record in a checkpoint's tree (GET /v1/audit/proof). */
export const inclusionProofSchema = z.strictObject({
  logIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  treeSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  recordHash: hashHexSchema,
  path: z.array(hashHexSchema).max(64),
});

/** RFC 9162 consistency proof between two tree sizes (GET /v1/audit/consistency). */
export const consistencyProofSchema = z.strictObject({
  oldSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  newSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  path: z.array(hashHexSchema).max(128),
});

export type ProofCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_log' | 'bad_proof'; readonly message: string };

function trustedCheckpoint(input: unknown, serverKeys: readonly Uint8Array[], log: string | undefined, verifier: SignatureVerifier, which: string): Checkpoint | ProofCheck {
  const parsed = checkpointSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: 'malformed', message: `The ${which} checkpoint is not a valid checkpoint.` };
  const cp = parsed.data;
  if (log !== undefined && cp.log !== log) return { ok: false, reason: 'wrong_log', message: `The ${which} checkpoint is for log ${cp.log}, not ${log}.` };
  const key = serverKeys.find((k) => checkpointKeyId(k) === cp.keyId);
  if (!key) return { ok: false, reason: 'unknown_key', message: `The ${which} checkpoint is signed by key ${cp.keyId}, which is not a trusted server key.` };
  if (!verifyCheckpointSignature(cp, key, verifier)) return { ok: false, reason: 'bad_signature', message: `The ${which} checkpoint has no valid server signature.` };
  return cp;
}

export interface ProofOptions {
  readonly serverKeys: readonly Uint8Array[];
  readonly log?: string;
  readonly verifier?: SignatureVerifier;
}

/**
 * Proves a record is in the log: the checkpoint is signed by a trusted server key, and
 * the RFC 9162 inclusion path leads from the record's leaf at `logIndex` to its root.
 */
export function verifyRecordInclusion(record: Pick<AuditRecord, 'hash'>, proof: unknown, checkpoint: unknown, options: ProofOptions): ProofCheck {
  const cp = trustedCheckpoint(checkpoint, options.serverKeys, options.log, options.verifier ?? nobleEd25519Verify, 'given');
  if ('ok' in cp) return cp;
  const p = inclusionProofSchema.safeParse(proof);
  if (!p.success) return { ok: false, reason: 'malformed', message: 'The inclusion proof is not in the expected form.' };
  const { logIndex, treeSize, recordHash, path } = p.data;
  const fits =
    recordHash === record.hash &&
    treeSize === cp.size &&
    verifyInclusion(
      auditLeafHash(record),
      logIndex,
      treeSize,
      path.map((h) => hexToBytes(h)),
      hexToBytes(cp.root),
    );
  return fits ? { ok: true } : { ok: false, reason: 'bad_proof', message: `The proof does not show this record in the log of ${cp.size} records the checkpoint signs.` };
}

/**
 * Proves the log only grew between two signed checkpoints: both are signed by trusted
 * keys, and the RFC 9162 consistency proof shows the older tree is a prefix of the newer.
 */
export function verifyCheckpointConsistency(older: unknown, newer: unknown, proof: unknown, options: ProofOptions): ProofCheck {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const a = trustedCheckpoint(older, options.serverKeys, options.log, verifier, 'older');
  if ('ok' in a) return a;
  const b = trustedCheckpoint(newer, options.serverKeys, options.log, verifier, 'newer');
  if ('ok' in b) return b;
  if (a.log !== b.log) return { ok: false, reason: 'wrong_log', message: 'The two checkpoints are of different logs.' };
  const p = consistencyProofSchema.safeParse(proof);
  if (!p.success) return { ok: false, reason: 'malformed', message: 'The consistency proof is not in the expected form.' };
  const fits =
    p.data.oldSize === a.size &&
    p.data.newSize === b.size &&
    verifyConsistency(
      a.size,
      b.size,
      hexToBytes(a.root),
      hexToBytes(b.root),
      p.data.path.map((h) => hexToBytes(h)),
    );
  return fits
    ? { ok: true }
    : {
        ok: false,
        reason: 'bad_proof',
        message: `The log of ${b.size} records is not provably an extension of the one of ${a.size}: history covered by the older checkpoint was changed.`,
      };
}
