/**
 * The audit record (docs/audit-format.md): what one device appends to its hash chain,
 * how its hash is computed, and what its Ed25519 signature covers.
 *
 * Format v2 (written now) takes its event part from src/shared/contracts/audit-event.ts,
 * the one vocabulary the gateway, engine and policy write with: `reason` is a word of
 * AUDIT_REASONS, the gateway tool and downstream server are target members of their
 * own. Format v1 (read and verified, never written) kept `reason` as any identifier
 * token and had no tool/server members; its rules stay here so old chains still verify.
 *
 * Guard rail against secrets in the log: neither version has a free-form value field.
 * Unknown keys are refused (`strict`), so a caller cannot slip a `value` in.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { AUDIT_OUTCOMES, AUDIT_RECORD_ACTIONS, auditActorSchema, auditEventSchema, auditReasonSchema, auditTargetSchema } from '../../shared/contracts/audit-event';
import { concatBytes, utf8ToBytes } from '../crypto/bytes';
import { canonicalizeJcs } from './jcs';
import { compileFastCheck, safeParseWithFastPath, UNSURE, type MemberCount } from './fast-schema';

/** The version AuditLog writes: hash-chained, covered by segment seals (seal.ts), not signed one by one. */
export const AUDIT_RECORD_VERSION = 3 as const;

export { AUDIT_OUTCOMES, AUDIT_RECORD_ACTIONS, auditActorSchema, auditReasonSchema, auditTargetSchema };

/** 64 lowercase hex digits: a SHA-256 value. */
export const hashHexSchema = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
/** 128 lowercase hex digits: an Ed25519 signature. */
export const sigHexSchema = z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex digits');
export const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'device id');
/** UTC, millisecond precision, exactly as Date.prototype.toISOString writes it. */
export const auditTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC time like 2026-01-02T03:04:05.678Z');

const idToken = (max: number, what: string) => z.string().regex(new RegExp(`^[A-Za-z0-9_.:@/+-]{1,${max}}$`), what);

/** What a caller hands to AuditLog.append (v2); the log adds the rest. */
export const auditEventInputSchema = auditEventSchema;
export type AuditEventInput = z.infer<typeof auditEventInputSchema>;

/** auditEventInputSchema.safeParse, through the fast path first (fast-schema.ts): same acceptance, same output, same errors. */
export const parseAuditEvent = safeParseWithFastPath(auditEventInputSchema, compileFastCheck(auditEventInputSchema));

/** Format v1's event part: read only. */
/** A stored record never carries `"target":{}`: an event without a target omits the member, one encoding per meaning. */
const nonEmpty = (t: object): boolean => Object.values(t).some((v) => v !== undefined);
const NON_EMPTY_TARGET = 'an event with no target omits `target` (never `{}`)';

const v1EventFields = {
  action: z.enum(AUDIT_RECORD_ACTIONS),
  actor: auditActorSchema,
  target: z
    .strictObject({
      itemId: auditTargetSchema.shape.itemId,
      slotId: auditTargetSchema.shape.slotId,
      origin: auditTargetSchema.shape.origin,
      field: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'field name')
        .optional(),
      deviceId: auditTargetSchema.shape.deviceId,
    })
    .refine(nonEmpty, NON_EMPTY_TARGET)
    .optional(),
  outcome: z.enum(AUDIT_OUTCOMES),
  reason: idToken(64, 'reason (an error code or short token)').optional(),
};

const chainFields = {
  /** Per-device sequence number: 1 for a device's first record, then +1 each. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  time: auditTimeSchema,
  device: deviceIdSchema,
  /** Hash of this device's previous record; GENESIS_PREV_HASH for seq 1. */
  prevHash: hashHexSchema,
};
const v1Fields = { v: z.literal(1), ...chainFields, ...v1EventFields };
const { receipt: receiptField, approvalKey: approvalKeyField, ...v2Event } = auditEventSchema.shape;
const v2EventFields = { ...v2Event, target: auditTargetSchema.refine(nonEmpty, NON_EMPTY_TARGET).optional() };
const v2Fields = { v: z.literal(2), ...chainFields, ...v2EventFields };
/**
 * v3 has v2's members; only how the chain is signed changed (per segment, docs/audit-format.md §3).
 * `receipt` and `approvalKey` are optional v3 members added later (§1.5, §1.6): additive, as
 * `dlpRule` was; a v3 reader that predates them refuses a record carrying one (strict record).
 */
const v3Fields = { v: z.literal(3), ...chainFields, ...v2EventFields, receipt: receiptField, approvalKey: approvalKeyField };
const signedFields = { hash: hashHexSchema, sig: sigHexSchema };

/** The part of a record its hash covers (everything but hash and sig), any version. */
export const unsignedAuditRecordSchema = z.discriminatedUnion('v', [z.strictObject(v1Fields), z.strictObject(v2Fields), z.strictObject(v3Fields)]);
export type UnsignedAuditRecord = z.infer<typeof unsignedAuditRecordSchema>;

export const auditRecordSchema = z.discriminatedUnion('v', [
  z.strictObject({ ...v1Fields, ...signedFields }),
  z.strictObject({ ...v2Fields, ...signedFields }),
  z.strictObject({ ...v3Fields, hash: hashHexSchema }),
]);
export type AuditRecord = z.infer<typeof auditRecordSchema>;

const fastRecord = compileFastCheck(auditRecordSchema);

/**
 * The record auditRecordSchema accepts, or undefined when the fast path is not sure
 * (fast-schema.ts): the caller then asks zod, which alone refuses and names why.
 * `count` adds up the value's object members (for the duplicate-name check of a line).
 */
export function fastAuditRecord(input: unknown, count: MemberCount = { members: 0 }): AuditRecord | undefined {
  const r = fastRecord(input, count);
  return r === UNSURE ? undefined : (r as AuditRecord);
}

/** auditRecordSchema.safeParse, through the fast path first: same acceptance, same output, same errors. */
export const parseAuditRecord = safeParseWithFastPath(auditRecordSchema, fastRecord);
/** A v1 or v2 record: it carries its own signature. */
export type SignedAuditRecord = Extract<AuditRecord, { sig: string }>;

/** prevHash of a device's first record: 32 zero bytes. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Domain separation for v1/v2 record signatures (docs/audit-format.md §3.1); the version is inside the hashed bytes. */
export const RECORD_SIGNATURE_CONTEXT = 'latchkey/audit-record/v1';

/**
 * Lowercase hex SHA-256 of a text's UTF-8 bytes: noble by default (every runtime); Node
 * callers pass node:crypto's (src/node/verify.node.ts), several times faster on a
 * record's few hundred bytes, and it hashes the string without a copy to bytes first.
 */
export type Sha256 = (text: string) => string;

// The engine's lib has no TextEncoder type (a host API); every host it runs on has one, and noble's utf8ToBytes uses it too.
const encoder = new (globalThis as unknown as { TextEncoder: new () => { encodeInto(text: string, into: Uint8Array): { written: number } } }).TextEncoder();
// Reused for every hash input (sha256 is synchronous and keeps no reference to it).
let scratch = new Uint8Array(1024);

/**
 * The UTF-8 bytes of `text`, written into the scratch buffer: noble's utf8ToBytes makes
 * an encoder and two arrays per call, a fifth of noble's hash of a record.
 */
function utf8Scratch(text: string): Uint8Array {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3); // 3 bytes per UTF-16 unit at most
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

export const nobleSha256Hex: Sha256 = (text) => bytesToHex(sha256(utf8Scratch(text)));

/** SHA-256 over the RFC 8785 canonical JSON of the record without `hash` (and `sig`). */
export function computeRecordHash(record: UnsignedAuditRecord | AuditRecord, hash?: Sha256): Uint8Array {
  if (hash) return hexToBytes(hash(recordJcs(record)));
  return sha256(utf8Scratch(recordJcs(record)));
}

export function computeRecordHashHex(record: UnsignedAuditRecord | AuditRecord, hash: Sha256 = nobleSha256Hex): string {
  return hash(recordJcs(record));
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (RFC 8785 refuses them).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A character JSON.stringify escapes, or one outside printable ASCII (a surrogate may be
 * lone). A string without any (every id, hash, time and token a record holds) is its JSON
 * text between two quotes: writing it so skips the lone-surrogate test and JSON.stringify,
 * which were most of this function's cost.
 */
const NEEDS_ESCAPE_OR_CHECK = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const str = (v: unknown): string | undefined =>
  typeof v !== 'string' ? undefined : !NEEDS_ESCAPE_OR_CHECK.test(v) ? '"' + v + '"' : LONE_SURROGATE.test(v) ? undefined : JSON.stringify(v);

/** A flat object of strings and safe integers in JCS form, or undefined when it holds anything else. */
function flatJcs(o: unknown): string | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o) || Object.getPrototypeOf(o) !== Object.prototype) return undefined;
  const keys = Object.keys(o).sort(); // default sort: UTF-16 code units, the order RFC 8785 §3.2.3 requires
  let out = '{';
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const value = typeof v === 'string' ? str(v) : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
    const key = str(k);
    if (value === undefined || key === undefined) return undefined;
    out += (out.length > 1 ? ',' : '') + key + ':' + value;
  }
  return out + '}';
}

/**
 * The RFC 8785 text of the record without `hash` and `sig`: the bytes its hash covers.
 * Written member by member in JCS order (action, actor, device, outcome, prevHash,
 * reason, seq, target, time, v) because this runs once per record on every append and
 * every verification, and the general canonicalizer spends most of its time finding
 * that order; for strings (escaped by JSON.stringify, as RFC 8785 §3.2.2.2 specifies),
 * safe integers and flat actor/target objects the output is byte for byte
 * canonicalizeJcs's (test/unit/audit/record-jcs-fast-path-equals-the-general-canonicalizer.test.ts).
 * Anything else takes the general path, which also refuses what is not I-JSON.
 */
export function recordJcs(r: UnsignedAuditRecord | AuditRecord): string {
  const action = str(r.action);
  const actor = flatJcs(r.actor);
  const device = str(r.device);
  const outcome = str(r.outcome);
  const prevHash = str(r.prevHash);
  const reason = r.reason === undefined ? '' : str(r.reason);
  const target = r.target === undefined ? '' : flatJcs(r.target);
  const time = str(r.time);
  // Nested members (a receipt, an approval key) take the general canonicalizer.
  if ('receipt' in r || 'approvalKey' in r) return canonicalizeJcs(unsignedPart(r));
  if (
    action === undefined ||
    actor === undefined ||
    device === undefined ||
    outcome === undefined ||
    prevHash === undefined ||
    reason === undefined ||
    target === undefined ||
    time === undefined ||
    !Number.isSafeInteger(r.seq) ||
    !Number.isSafeInteger(r.v)
  ) {
    return canonicalizeJcs(unsignedPart(r));
  }
  return (
    `{"action":${action},"actor":${actor},"device":${device},"outcome":${outcome},"prevHash":${prevHash}` +
    (reason === '' ? '' : `,"reason":${reason}`) +
    `,"seq":${r.seq}` +
    (target === '' ? '' : `,"target":${target}`) +
    `,"time":${time},"v":${r.v}}`
  );
}

/** Bytes the device key signs: UTF-8 context, one 0x00 byte, the 32-byte record hash. */
export function recordSignatureInput(hash: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(RECORD_SIGNATURE_CONTEXT), new Uint8Array([0]), hash);
}

/** The record without hash and sig, keys in a fixed order (order does not matter to JCS). */
export function unsignedPart(r: UnsignedAuditRecord | AuditRecord): UnsignedAuditRecord {
  const out: Record<string, unknown> = {
    v: r.v,
    seq: r.seq,
    time: r.time,
    device: r.device,
    action: r.action,
    actor: r.actor,
    outcome: r.outcome,
    prevHash: r.prevHash,
  };
  if (r.target !== undefined) out.target = r.target;
  if (r.reason !== undefined) out.reason = r.reason;
  if ('receipt' in r && r.receipt !== undefined) out.receipt = r.receipt;
  if ('approvalKey' in r && r.approvalKey !== undefined) out.approvalKey = r.approvalKey;
  return out as UnsignedAuditRecord;
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
