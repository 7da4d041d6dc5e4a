/**
 * The audit record for a policy change, so IT can see in the signed log when a
 * device's policy changed or became untrustworthy. Wire it in the composition root:
 *
 *   policyService.onChange((e) => void engineAudit.append(policyChangeAuditEvent(e)));
 *
 * Non-secret by construction: the key id, the reason code and field names only.
 */
import type { AuditEvent } from '../../shared/contracts/engine';
import type { PolicyChangeEvent } from './service';

export function policyChangeAuditEvent(e: PolicyChangeEvent): AuditEvent {
  if (e.next.status === 'invalid') {
    const reason = e.next.error.details?.reason;
    return {
      action: 'policy.load',
      actor: { type: 'system' },
      outcome: 'failure',
      reason: `policy_invalid:${typeof reason === 'string' ? reason : 'unknown'}`,
    };
  }
  const p = e.next.policy;
  // The audit log takes a reason only as a short token ([A-Za-z0-9_.:@/+-], ≤ 64): no spaces.
  const what = p.managed ? `${e.trigger}:key:${p.keyId ?? 'none'}:fields:${e.changedFields.length}` : `${e.trigger}:unmanaged`;
  return {
    action: 'policy.load',
    actor: { type: 'system' },
    outcome: 'success',
    reason: what.slice(0, 64),
  };
}
