/**
 * AuditLog: one device's append-only, hash-chained, signed log. The engine hands it
 * events (it implements the engine's AuditSink); main hands it gateway events through
 * the engine's `audit.append`. Appends are serialised so sequence numbers stay dense
 * even when callers do not await each other.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AuditSink } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import {
  AUDIT_RECORD_VERSION,
  auditEventInputSchema,
  computeRecordHash,
  deviceIdSchema,
  issueField,
  GENESIS_PREV_HASH,
  recordSignatureInput,
  type AuditEventInput,
  type AuditRecord,
  type UnsignedAuditRecord,
} from './record';
import type { AuditSigner } from './signer';
import type { AuditStore } from './store';

export interface AuditClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface AuditLogDeps {
  readonly store: AuditStore;
  readonly signer: AuditSigner;
  /** This device's id, as enrolled with the org server. */
  readonly deviceId: string;
  readonly clock?: AuditClock;
}

export interface AuditLog {
  readonly deviceId: string;
  /** Validates, chains, signs and stores one event. Refuses (invalid_input) anything outside the schema. */
  append(event: AuditEventInput): Promise<AuditRecord>;
  /** The last record, or undefined before the first append. */
  head(): Promise<AuditRecord | undefined>;
  /** Records not yet acknowledged by the server, oldest first, at most `limit`. */
  pending(limit: number): Promise<AuditRecord[]>;
  /** The server stored everything up to `seq`. */
  acknowledge(seq: number): Promise<void>;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  if (!deviceIdSchema.safeParse(deps.deviceId).success) {
    throw new LatchkeyError('invalid_input', 'The device id must be 1–64 letters, digits, _ or -.');
  }
  const clock = deps.clock ?? { now: () => Date.now() };
  // Promise chain that serialises appends; a failed append does not poison the next.
  let tail: Promise<unknown> = Promise.resolve();

  async function appendNow(event: AuditEventInput): Promise<AuditRecord> {
    const parsed = auditEventInputSchema.safeParse(event);
    if (!parsed.success) {
      // Name the field, never echo the value: a refused value may be the very secret we keep out.
      const where = issueField(parsed.error);
      throw new LatchkeyError('invalid_input', `Audit event refused: field ${where} is not allowed or not in the expected form.`, { field: where });
    }
    const e = parsed.data;
    const last = await deps.store.last();
    const unsigned: UnsignedAuditRecord = {
      v: AUDIT_RECORD_VERSION,
      seq: last ? last.seq + 1 : 1,
      time: new Date(clock.now()).toISOString(),
      device: deps.deviceId,
      action: e.action,
      actor: e.actor,
      outcome: e.outcome,
      prevHash: last ? last.hash : GENESIS_PREV_HASH,
    };
    // An empty target says nothing; leaving it out keeps one encoding per meaning.
    if (e.target && Object.keys(e.target).length > 0) unsigned.target = e.target;
    if (e.reason !== undefined) unsigned.reason = e.reason;
    const hash = computeRecordHash(unsigned);
    const sig = await deps.signer.sign(recordSignatureInput(hash));
    const record: AuditRecord = { ...unsigned, hash: bytesToHex(hash), sig: bytesToHex(sig) };
    await deps.store.add(record);
    return record;
  }

  return {
    deviceId: deps.deviceId,
    append(event) {
      const run = tail.then(() => appendNow(event));
      tail = run.catch(() => undefined);
      return run;
    },
    head: () => deps.store.last(),
    async pending(limit) {
      const from = (await deps.store.uploadedThrough()) + 1;
      return deps.store.range(from, limit);
    },
    acknowledge: (seq) => deps.store.setUploadedThrough(seq),
  };
}

/** The engine's audit dependency (`createEngine({ audit })`) backed by this log. */
export function auditSinkFor(log: AuditLog): AuditSink {
  return {
    async append(event) {
      await log.append(event);
    },
  };
}
