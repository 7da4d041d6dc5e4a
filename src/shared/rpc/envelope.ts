/**
 * The wire format of one RPC message (version 1, documented in docs/rpc.md). Every
 * incoming message is parsed by {@link envelopeSchema} before anything reads it: the
 * peer may be a compromised renderer or a web page speaking to the preview socket.
 */
import { z } from 'zod';

export const RPC_PROTOCOL_VERSION = 1;

/** Request ids are per-client counters; bounded so they stay exact in every encoding. */
const idSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const nsSchema = z.string().max(128);
const nameSchema = z.string().min(1).max(128);
const lk = z.literal(RPC_PROTOCOL_VERSION);

export const requestEnvelopeSchema = z.object({ lk, ns: nsSchema, t: z.literal('req'), id: idSchema, m: nameSchema, p: z.unknown() });
export const okEnvelopeSchema = z.object({ lk, ns: nsSchema, t: z.literal('ok'), id: idSchema, r: z.unknown() });
/** `e` is parsed separately so an error code this version does not know maps to `internal`. */
export const errEnvelopeSchema = z.object({ lk, ns: nsSchema, t: z.literal('err'), id: idSchema, e: z.unknown() });
export const cancelEnvelopeSchema = z.object({ lk, ns: nsSchema, t: z.literal('cancel'), id: idSchema });
export const eventEnvelopeSchema = z.object({ lk, ns: nsSchema, t: z.literal('evt'), ev: nameSchema, p: z.unknown() });

export const envelopeSchema = z.discriminatedUnion('t', [requestEnvelopeSchema, okEnvelopeSchema, errEnvelopeSchema, cancelEnvelopeSchema, eventEnvelopeSchema]);

export type Envelope = z.infer<typeof envelopeSchema>;
export type RequestEnvelope = z.infer<typeof requestEnvelopeSchema>;
export type OkEnvelope = z.infer<typeof okEnvelopeSchema>;
export type ErrEnvelope = z.infer<typeof errEnvelopeSchema>;
export type CancelEnvelope = z.infer<typeof cancelEnvelopeSchema>;
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/**
 * A lenient look at a message that failed {@link envelopeSchema}: if it still names a
 * namespace and an id, the sender is waiting for an answer and gets `rpc_malformed`
 * instead of hanging until its timeout.
 */
export const envelopeProbeSchema = z.object({
  ns: nsSchema,
  t: z.string().max(16).optional(),
  id: idSchema,
});
