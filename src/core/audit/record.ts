/**
 * The audit record (format v1, docs/audit-format.md): what one device appends to its
 * hash chain, how its hash is computed, and what its Ed25519 signature covers.
 *
 * Guard rail against secrets in the log: the schema has NO free-form value field.
 * A target holds ids (item, slot), a bare origin (scheme://host[:port], no userinfo,
 * path or query, which is where tokens hide) and a field *name*; reason and actor id
 * are short identifier-shaped strings (no spaces, bounded). Unknown keys are refused
 * (`strict`), so a caller cannot slip a `value` in beside the known fields.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { AUDIT_ACTIONS } from '../../shared/contracts/engine';
import { concatBytes, utf8ToBytes } from '../crypto/bytes';
import { jcsBytes } from './jcs';

export const AUDIT_RECORD_VERSION = 1 as const;

/**
 * Every action a record may name: the engine's events (src/shared/contracts/engine.ts)
 * plus device- and policy-level events written by main or the server. Refused agent
 * uses are `credential.use` with outcome `denied`; failed unlocks are `vault.unlock`
 * with outcome `failure`.
 */
export const AUDIT_RECORD_ACTIONS = [
  ...AUDIT_ACTIONS,
  'device.enrol', 'device.revoke', 'policy.change', 'audit.export',
] as const;
export type AuditRecordAction = (typeof AUDIT_RECORD_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_ACTOR_TYPES = ['person', 'agent', 'system'] as const;

/** 64 lowercase hex digits: a SHA-256 value. */
export const hashHexSchema = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
/** 128 lowercase hex digits: an Ed25519 signature. */
export const sigHexSchema = z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex digits');
export const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'device id');
/** UTC, millisecond precision, exactly as Date.prototype.toISOString writes it. */
export const auditTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC time like 2026-01-02T03:04:05.678Z');

const idToken = (max: number, what: string) => z.string().regex(new RegExp(`^[A-Za-z0-9_.:@/+-]{1,${max}}$`), what);

/** A bare origin: no userinfo (credentials), no path, query or fragment (tokens). */
export const auditOriginSchema = z
  .string()
  .max(300)
  .regex(/^[a-z][a-z0-9+.-]{0,31}:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/, 'an origin such as https://api.example.com (no user, path or query)');

export const auditActorSchema = z.strictObject({
  type: z.enum(AUDIT_ACTOR_TYPES),
  /** Agent pairing id, person id or service name; an identifier, never a name with a secret in it. */
  id: idToken(128, 'actor id (letters, digits, _ . : @ / + -)').optional(),
});

export const auditTargetSchema = z.strictObject({
  itemId: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'item id').optional(),
  slotId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'slot id').optional(),
  origin: auditOriginSchema.optional(),
  /** The NAME of a field (e.g. "password"), never its value. */
  field: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'field name').optional(),
  /** Another device this event is about (enrol, revoke). */
  deviceId: deviceIdSchema.optional(),
}).refine((t) => Object.values(t).some((v) => v !== undefined), 'an event with no target omits `target` (never `{}`)');

/** An error code or short token ("idle", "wrong_password"); not prose, which could quote input. */
export const auditReasonSchema = idToken(64, 'reason (an error code or short token)');

/** What a caller hands to AuditLog.append; the log adds the rest. */
export const auditEventInputSchema = z.strictObject({
  action: z.enum(AUDIT_RECORD_ACTIONS),
  actor: auditActorSchema,
  target: auditTargetSchema.optional(),
  outcome: z.enum(AUDIT_OUTCOMES),
  reason: auditReasonSchema.optional(),
});
export type AuditEventInput = z.infer<typeof auditEventInputSchema>;

const recordFields = {
  v: z.literal(AUDIT_RECORD_VERSION),
  /** Per-device sequence number: 1 for a device's first record, then +1 each. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  time: auditTimeSchema,
  device: deviceIdSchema,
  ...auditEventInputSchema.shape,
  /** Hash of this device's previous record; GENESIS_PREV_HASH for seq 1. */
  prevHash: hashHexSchema,
};

/** The part of a record its hash covers (everything but hash and sig). */
export const unsignedAuditRecordSchema = z.strictObject(recordFields);
export type UnsignedAuditRecord = z.infer<typeof unsignedAuditRecordSchema>;

export const auditRecordSchema = z.strictObject({ ...recordFields, hash: hashHexSchema, sig: sigHexSchema });
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** prevHash of a device's first record: 32 zero bytes. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Domain separation for record signatures (see docs/audit-format.md §4). */
export const RECORD_SIGNATURE_CONTEXT = 'latchkey/audit-record/v1';

/** SHA-256 over the RFC 8785 canonical JSON of the record without `hash` and `sig`. */
export function computeRecordHash(record: UnsignedAuditRecord | AuditRecord): Uint8Array {
  return sha256(jcsBytes(unsignedPart(record)));
}

export function computeRecordHashHex(record: UnsignedAuditRecord | AuditRecord): string {
  return bytesToHex(computeRecordHash(record));
}

/** Bytes the device key signs: UTF-8 context, one 0x00 byte, the 32-byte record hash. */
export function recordSignatureInput(hash: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(RECORD_SIGNATURE_CONTEXT), new Uint8Array([0]), hash);
}

/** The record without hash and sig, keys in a fixed order (order does not matter to JCS). */
export function unsignedPart(r: UnsignedAuditRecord | AuditRecord): UnsignedAuditRecord {
  const out: UnsignedAuditRecord = {
    v: r.v, seq: r.seq, time: r.time, device: r.device, action: r.action, actor: r.actor, outcome: r.outcome, prevHash: r.prevHash,
  };
  if (r.target !== undefined) out.target = r.target;
  if (r.reason !== undefined) out.reason = r.reason;
  return out;
}

/**
 * Where a zod issue points, as "target.origin" — for error messages that name the
 * field without quoting its value. Unknown keys are named by key (their values never).
 */
export function issueField(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'record';
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  return path.join('.') || 'record';
}
