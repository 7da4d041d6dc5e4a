/**
 * Main → engine policy delivery (EnginePolicyContract): main reads and verifies the
 * policy files, the engine decides with what main last told it.
 */
import { EnginePolicyContract, type PolicyStateMessage } from '../../shared/contracts/engine-policy';
import type { Port } from '../../shared/rpc/port';
import { connectRpc } from '../../shared/rpc/rpc';
import { lockOnScreenLock, lockOnSleep } from '../../core/policy';
import type { PolicyService } from './service';

/** What the engine is told about the policy: the effective policy, or why there is none. */
export function policyMessage(service: PolicyService): PolicyStateMessage {
  const state = service.getState();
  if (state === null) return { status: 'invalid', error: { code: 'policy_invalid', message: 'The policy has not been loaded yet.' } };
  return state.status === 'ok' ? { status: 'ok', policy: state.policy } : { status: 'invalid', error: state.error };
}

/** One engine connection as the policy sees it. */
export interface EnginePolicyLink {
  /** Locks that engine's vault if the policy says to on this event. */
  onSessionEvent(event: 'sleep' | 'screen_lock'): void;
  close(): void;
}

/**
 * Keeps an engine connection's policy current: once when it connects, then on every
 * change. If the push fails the engine keeps its previous state; an invalid policy
 * that cannot be delivered leaves a connection that main's own decisions (gateway)
 * still refuse, since they read the same service.
 */
export function pushPolicyTo(port: Port, service: PolicyService): EnginePolicyLink {
  const client = connectRpc(port, EnginePolicyContract);
  const push = (): void => {
    void client.call('policy.set', policyMessage(service)).catch(() => undefined);
  };
  push();
  const off = service.onChange(push);
  return {
    onSessionEvent(event) {
      // An unreadable policy already locked the engine; otherwise ask the policy of the moment.
      const state = service.getState();
      if (state?.status !== 'ok') return;
      const lock = event === 'sleep' ? lockOnSleep(state.policy) : lockOnScreenLock(state.policy);
      if (lock) void client.call('vault.lockNow', { reason: event }).catch(() => undefined);
    },
    close() {
      off();
      client.close();
    },
  };
}
