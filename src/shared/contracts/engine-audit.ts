/**
 * Page → engine worker: the device's signed audit log, for the Activity page. The
 * worker reads its own chain (the `<dbName>-audit` database), checks every record it
 * returns (hash, Ed25519 signature under the device key, link to the record before it)
 * and answers `failed` rather than show a record that does not verify, so what the
 * person sees is what IT can verify from the server's export.
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { AUDIT_OUTCOMES, AUDIT_RECORD_ACTIONS, auditActorSchema, auditTargetSchema } from './audit-event';

/** Most records one call returns. */
export const AUDIT_RECENT_MAX = 500;

const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** One verified record, as shown: what happened, never a value (the record has none). */
const auditEntrySchema = z.strictObject({
  seq: seqSchema,
  time: z.string().max(32),
  action: z.enum(AUDIT_RECORD_ACTIONS),
  actor: auditActorSchema,
  target: auditTargetSchema.optional(),
  outcome: z.enum(AUDIT_OUTCOMES),
  /** A word of the audit vocabulary (format v1 records: any identifier token). */
  reason: z
    .string()
    .regex(/^[A-Za-z0-9_.:@/+-]{1,64}$/)
    .optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

const auditRecentResultSchema = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('verified'),
    deviceId: z.string().max(64),
    /** Newest first. */
    entries: z.array(auditEntrySchema).max(AUDIT_RECENT_MAX),
    /** Records in the whole chain (its last seq). */
    total: z.number().int().nonnegative(),
    /** `beforeSeq` for the next older page; null when this page reaches the first record. */
    older: seqSchema.nullable(),
  }),
  /** A record in the requested range does not verify: nothing of the page is shown. */
  z.strictObject({ state: z.literal('failed'), message: z.string().max(2000), seq: seqSchema.optional() }),
  /** This engine keeps no signed log (no Latchkey app, or it did not answer). */
  z.strictObject({ state: z.literal('unavailable'), message: z.string().max(2000) }),
]);
export type AuditRecentResult = z.infer<typeof auditRecentResultSchema>;

const auditRecentParamsSchema = z.strictObject({
  /** Records with seq below this one; default: from the newest. */
  beforeSeq: seqSchema.optional(),
  limit: z.number().int().min(1).max(AUDIT_RECENT_MAX).optional(),
});

export const EngineAuditContract = defineContract({
  name: 'engine-audit',
  methods: {
    'audit.recent': { params: auditRecentParamsSchema, result: auditRecentResultSchema },
  },
  events: {},
});
