/**
 * Checks every approval receipt of an export in log order (docs/audit-format.md §1.7):
 * where it may appear, its digest, its match with the record it sits in, that its nonce
 * was never used before, and a touch's FIDO signature against the approval key the same
 * device published earlier in the log (an `approval_key.add` record, itself covered by
 * the device's seals). Run alongside the chain checks; a verifier reports the first
 * receipt failure only once the chain itself verified (a receipt in a forged record
 * proves nothing either way).
 */
import type { ApprovalKey, ApprovalRequest } from '../../shared/contracts/approval-receipt';
import { canonicalizeJcs } from './jcs';
import { checkTouch, digestMatches } from './receipt';
import type { AuditRecord } from './record';

export const RECEIPT_FAILURE_REASONS = [
  'receipt_misplaced',
  'receipt_mismatch',
  'receipt_digest',
  'receipt_replayed',
  'receipt_grant',
  'receipt_unknown_key',
  'receipt_bad_touch',
  'approval_key_misplaced',
  'approval_key_conflict',
] as const;
export type ReceiptFailureReason = (typeof RECEIPT_FAILURE_REASONS)[number];

export interface ReceiptFailure {
  readonly ok: false;
  readonly index: number;
  readonly seq: number;
  readonly device: string;
  readonly reason: ReceiptFailureReason;
  /** One sentence; names members, never quotes their values. */
  readonly message: string;
}

const STANDING = new Set(['always', 'session']);
const ANSWERED = new Set(['approved_once', 'approved_session', 'approved_always']);

export class ReceiptChecker {
  /** Every nonce seen, across devices: a nonce is 16 random bytes, so a repeat is a replay. */
  private readonly nonces = new Set<string>();
  /** device → credential id → key, as published by that device's approval_key.add records. */
  private readonly keys = new Map<string, Map<string, ApprovalKey>>();
  receipts = 0;
  touches = 0;

  /** Checks one record (already parsed and chain-checked); undefined when it holds. */
  step(record: AuditRecord, index: number): ReceiptFailure | undefined {
    if (record.v !== 3) return undefined;
    const fail = (reason: ReceiptFailureReason, message: string): ReceiptFailure => ({ ok: false, index, seq: record.seq, device: record.device, reason, message });
    if (record.approvalKey !== undefined) {
      if (record.action !== 'approval_key.add' || record.outcome !== 'success' || record.receipt !== undefined)
        return fail('approval_key_misplaced', 'An approval key may only be published by a successful approval_key.add record.');
      const mine = this.keys.get(record.device) ?? new Map<string, ApprovalKey>();
      const before = mine.get(record.approvalKey.credentialId);
      if (before && canonicalizeJcs(before) !== canonicalizeJcs(record.approvalKey))
        return fail('approval_key_conflict', 'This approval credential was published before with another public key.');
      mine.set(record.approvalKey.credentialId, record.approvalKey);
      this.keys.set(record.device, mine);
      return undefined;
    }
    if (record.action === 'approval_key.add' && record.outcome === 'success') return fail('approval_key_misplaced', 'An approval_key.add record carries no approvalKey.');
    const r = record.receipt;
    if (r === undefined) return undefined;
    this.receipts++;
    if (record.action !== 'credential.use' || record.outcome !== 'success' || record.reason === undefined || !(STANDING.has(record.reason) || ANSWERED.has(record.reason)))
      return fail('receipt_misplaced', 'A receipt may only sit in a successful credential.use record whose reason is an approval basis.');
    const q = r.request;
    const t = record.target;
    if (record.actor.type !== 'agent' || record.actor.id !== q.agent) return fail('receipt_mismatch', "The receipt's agent is not the record's actor.");
    if (t?.itemId !== q.itemId) return fail('receipt_mismatch', "The receipt's credential is not the record's target.itemId.");
    if (t?.tool !== q.tool) return fail('receipt_mismatch', "The receipt's tool is not the record's target.tool.");
    const off = targetMismatch(q, t);
    if (off !== null) return fail('receipt_mismatch', `The receipt's ${off} is not the record's target.${off}.`);
    if (!digestMatches(r)) return fail('receipt_digest', "The receipt's digest is not the SHA-256 of its request.");
    if (this.nonces.has(q.nonce)) return fail('receipt_replayed', "The receipt's nonce was already used by an earlier receipt.");
    this.nonces.add(q.nonce);
    const standing = STANDING.has(record.reason);
    if (standing !== (r.grant !== undefined) || (r.grant !== undefined && r.grant.mode !== record.reason))
      return fail('receipt_grant', 'A use under a standing grant names that grant (and only such a use does), with the mode in the record’s reason.');
    if (r.grant?.at !== undefined && r.grant.at > q.time) return fail('receipt_grant', 'The grant named by the receipt was made after the request.');
    if (r.touch === undefined) return undefined;
    this.touches++;
    const key = this.keys.get(record.device)?.get(r.touch.credentialId);
    if (!key) return fail('receipt_unknown_key', 'The receipt was touched with a security key this device did not publish earlier in the log.');
    const bad = checkTouch(key, r.touch, r.digest);
    if (bad !== null) return fail('receipt_bad_touch', `The security key's assertion does not verify for this request (${bad}).`);
    return undefined;
  }
}

/** The first target member the request names differently, per tool; null when all agree. */
function targetMismatch(q: ApprovalRequest, t: NonNullable<Extract<AuditRecord, { v: 3 }>['target']>): string | null {
  switch (q.tool) {
    case 'http_request':
      return t.origin !== q.origin ? 'origin' : t.method !== q.method ? 'method' : null;
    case 'run_command':
      return t.command !== q.command ? 'command' : null;
    case 'downstream':
      return t.server !== q.server ? 'server' : t.serverTool !== q.serverTool ? 'serverTool' : null;
  }
}

/** The counts a verdict reports, present only when the export held receipts (older verdicts keep their exact shape). */
export function receiptCounts(c: ReceiptChecker): { receipts?: number; touches?: number } {
  return c.receipts > 0 ? { receipts: c.receipts, touches: c.touches } : {};
}
