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
import { MerkleAccumulator, merkleLeafHash } from './merkle';
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
