/**
 * Segment seals (format v3, docs/audit-format.md §3): instead of signing every record,
 * the device signs its chain head — (device, seq, hash) — now and then. Because each
 * record's hash covers its predecessor's, one seal vouches for every record of that
 * device up to `seq`; appending costs a hash and a store, not an Ed25519 signature.
 */
import { z } from 'zod';
import { bytesToHex } from '@noble/hashes/utils.js';
import { concatBytes, utf8ToBytes } from '../crypto/bytes';
import { jcsBytes } from './jcs';
import { compileFastCheck, safeParseWithFastPath, UNSURE } from './fast-schema';
import { auditTimeSchema, deviceIdSchema, hashHexSchema, sigHexSchema } from './record';
import type { AuditSigner } from './signer';

export const SEAL_VERSION = 3 as const;
export const SEAL_SIGNATURE_CONTEXT = 'latchkey/audit-seal/v1';

const sealFields = {
  type: z.literal('seal'),
  v: z.literal(SEAL_VERSION),
  device: deviceIdSchema,
  /** The last record this seal covers: every record of `device` with seq <= this. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** That record's hash. */
  hash: hashHexSchema,
  time: auditTimeSchema,
};
export const auditSealSchema = z.strictObject({ ...sealFields, sig: sigHexSchema });
export type AuditSeal = z.infer<typeof auditSealSchema>;
type UnsignedSeal = Omit<AuditSeal, 'sig'>;

const fastSeal = compileFastCheck(auditSealSchema);

/** The seal auditSealSchema accepts, or undefined when the fast path is not sure (fast-schema.ts). */
export function fastAuditSeal(input: unknown): AuditSeal | undefined {
  const s = fastSeal(input, { members: 0 });
  return s === UNSURE ? undefined : (s as AuditSeal);
}

/** auditSealSchema.safeParse, through the fast path first: same acceptance, same output, same errors. */
export const parseAuditSeal = safeParseWithFastPath(auditSealSchema, fastSeal);

/** Bytes the device key signs: UTF-8 context, 0x00, JCS of the seal without `sig`. */
export function sealSignatureInput(s: UnsignedSeal): Uint8Array {
  const { type, v, device, seq, hash, time } = s;
  return concatBytes(utf8ToBytes(SEAL_SIGNATURE_CONTEXT), new Uint8Array([0]), jcsBytes({ type, v, device, seq, hash, time }));
}

export async function signSeal(head: { device: string; seq: number; hash: string; time: string }, signer: AuditSigner): Promise<AuditSeal> {
  const unsigned: UnsignedSeal = { type: 'seal', v: SEAL_VERSION, device: head.device, seq: head.seq, hash: head.hash, time: head.time };
  const sig = await signer.sign(sealSignatureInput(unsigned));
  return { ...unsigned, sig: bytesToHex(sig) };
}

/** A seal line is told from a record line by its `type` member (records have none). */
export function isSealShaped(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && (x as { type?: unknown }).type === 'seal';
}
