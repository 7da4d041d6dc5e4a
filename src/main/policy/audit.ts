/**
 * The audit record for a policy change, so IT can see in the signed log when a
 * device's policy changed or became untrustworthy. Wire it in the composition root:
 *
 *   policyService.onChange((e) => void engineAudit.append(policyChangeAuditEvent(e)));
 *
 * Non-secret by construction: the key id and a reason from the fixed audit vocabulary.
 */
import { POLICY_REASONS, type AuditReason } from '../../shared/contracts/audit-event';
import type { AuditEvent } from '../../shared/contracts/engine';
import type { PolicyChangeEvent } from './service';

export function policyChangeAuditEvent(e: PolicyChangeEvent): AuditEvent {
  if (e.next.status === 'invalid') {
    const reason = e.next.error.details?.reason;
    return {
      action: 'policy.load',
      actor: { type: 'system' },
      outcome: 'failure',
      // The audit vocabulary is fixed (audit-event.ts): a refusal reason it does not know is `unknown`.
      reason: typeof reason === 'string' && (POLICY_REASONS as readonly string[]).includes(reason) ? (reason as AuditReason) : 'unknown',
    };
  }
  const p = e.next.policy;
  return {
    action: 'policy.load',
    actor: { type: 'system' },
    outcome: 'success',
    reason: e.trigger,
    ...(p.managed && p.keyId ? { target: { policyKeyId: p.keyId } } : {}),
  };
}
