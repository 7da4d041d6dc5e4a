/**
 * Records every gateway use, allowed or refused: first a signed audit event through
 * the engine's chain, then an entry in the in-memory ring (`activity.list`) and the
 * `activity` event. The Activity page shows the signed chain itself (read and verified
 * by the engine worker); it takes the event only as a cue to re-read it. No record, no use: when the audit append fails, `record` throws
 * `audit_unavailable` and the caller does not go on (the secret is not sent). Neither
 * ever holds a secret: targets are item ids, bare origins and identifier tokens, and
 * reasons come from the one audit vocabulary (src/shared/contracts/audit-event.ts).
 */
import {
  APPROVAL_BASES,
  auditMethodSchema,
  auditNameTokenSchema,
  auditOriginSchema,
  auditServerSchema,
  auditTargetSchema,
  type AuditEvent,
  type AuditReason,
  type AuditTool,
} from '../../shared/contracts/audit-event';
import type { ApprovalReceipt } from '../../shared/contracts/approval-receipt';
import type { ActivityEntry } from '../../shared/contracts/gateway';
import { LatchkeyError, isLatchkeyError } from '../../shared/errors';
import type { AuditSink } from './ports';

/** Where a use went, for the signed record. Values that are not clean tokens are left out, never quoted. */
export interface AuditFacts {
  readonly tool?: AuditTool;
  readonly origin?: string | null;
  readonly command?: string;
  /** The HTTP method of the request the credential went into (http_request, the run proxy). */
  readonly method?: string;
  readonly server?: string;
  readonly serverTool?: string;
  /** A DLP finding's rule id (never the match). */
  readonly dlpRule?: string;
  /** The budget a use went beyond (src/shared/budgets.ts). */
  readonly budget?: string;
  /** The anomaly rule of an alert, or that made a use ask afresh. */
  readonly rule?: string;
}

export type ActivityInput = Omit<ActivityEntry, 'id' | 'at' | 'reason'> & {
  readonly reason: AuditReason | null;
  readonly audit?: AuditFacts;
  /** An approved use's receipt (receipts.ts): hashes and ids only, never a value. */
  readonly receipt?: ApprovalReceipt;
};

export class ActivityLog {
  private readonly entries: ActivityEntry[] = [];
  private nextId = 0;

  constructor(
    private readonly audit: AuditSink,
    private readonly onEntry: (e: ActivityEntry) => void,
    private readonly now: () => number,
    private readonly capacity = 5000,
  ) {}

  /** Appends the signed record, then the live entry. Throws `audit_unavailable` when the record cannot be written. */
  async record(input: ActivityInput): Promise<void> {
    const event = auditEventFor(input);
    try {
      await this.audit.append(event);
    } catch (err) {
      throw new LatchkeyError(
        'audit_unavailable',
        `Latchkey could not write this ${input.outcome === 'success' ? 'use' : 'refusal'} to its signed audit log, so nothing was sent. Unlock Latchkey and try again; if it keeps failing, the audit log needs attention (${isLatchkeyError(err) ? err.code : 'internal'}).`,
      );
    }
    const { audit: _facts, receipt: _receipt, ...shown } = input;
    const entry: ActivityEntry = { ...shown, id: this.nextId++, at: this.now() };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.onEntry(entry);
  }

  list(opts: { agentId?: string; limit?: number }): ActivityEntry[] {
    const out: ActivityEntry[] = [];
    const limit = opts.limit ?? 200;
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (opts.agentId === undefined || e.agentId === opts.agentId) out.push(e);
    }
    return out;
  }
}

/** Activity "tools" that are the person managing an agent, not a use. */
const AGENT_ACTIONS: Partial<Record<string, AuditEvent['action']>> = {
  pair: 'agent.pair',
  revoke: 'agent.revoke',
  restore: 'agent.restore',
  remove: 'agent.remove',
  /** An anomaly alert (anomalies.ts): the rule in target.rule. */
  alert: 'alert.raised',
};

function auditEventFor(input: ActivityInput): AuditEvent {
  const target: NonNullable<AuditEvent['target']> = {};
  const f = input.audit ?? {};
  if (input.itemId !== null) target.itemId = input.itemId;
  if (f.tool) target.tool = f.tool;
  if (f.origin && auditOriginSchema.safeParse(f.origin).success) target.origin = f.origin;
  if (f.command && auditNameTokenSchema.safeParse(f.command).success) target.command = f.command;
  if (f.method && auditMethodSchema.safeParse(f.method).success) target.method = f.method;
  if (f.server && auditServerSchema.safeParse(f.server).success) target.server = f.server;
  if (f.serverTool && auditNameTokenSchema.safeParse(f.serverTool).success) target.serverTool = f.serverTool;
  if (f.dlpRule && auditTargetSchema.shape.dlpRule.safeParse(f.dlpRule).success) target.dlpRule = f.dlpRule;
  const budget = auditTargetSchema.shape.budget.safeParse(f.budget);
  if (budget.success && budget.data !== undefined) target.budget = budget.data;
  const rule = auditTargetSchema.shape.rule.safeParse(f.rule);
  if (rule.success && rule.data !== undefined) target.rule = rule.data;
  const action = AGENT_ACTIONS[input.tool] ?? 'credential.use';
  return {
    action,
    actor: input.agentId === null ? { type: 'person' } : { type: 'agent', id: input.agentId },
    ...(Object.keys(target).length > 0 ? { target } : {}),
    outcome: input.outcome,
    ...(input.reason !== null ? { reason: input.reason } : {}),
    ...(input.receipt !== undefined ? { receipt: input.receipt } : {}),
  };
}

/**
 * authorize.ts's approval basis as an audit reason. A basis outside the vocabulary is
 * a programming error; refusing it keeps the use from happening unrecorded.
 */
export function approvalReason(basis: string): AuditReason {
  if ((APPROVAL_BASES as readonly string[]).includes(basis)) return basis as AuditReason;
  throw new LatchkeyError('internal', 'The approval basis has no audit reason; the use was not made.');
}
