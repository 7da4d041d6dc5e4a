/**
 * The engine's copy of the policy main pushed (EnginePolicyContract). Decisions read
 * it through {@link PolicyHolder.current} at the moment they are made, so a replaced
 * policy file applies without a restart. While main reports the managed policy as
 * invalid, current() throws that error: every decision that consults policy (unlock
 * first of all) fails closed with a message naming the file and why.
 */
import type { EnginePolicyContract, PolicyStateMessage } from '../../shared/contracts/engine-policy';
import { LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy } from '../../shared/policy';
import type { RpcHandlers } from '../../shared/rpc/rpc';
import { personalPolicy } from './effective';

export interface PolicyHolder {
  current(): EffectivePolicy;
  set(state: PolicyStateMessage): void;
  isInvalid(): boolean;
}

export function createPolicyHolder(initial: EffectivePolicy = personalPolicy()): PolicyHolder {
  let state: PolicyStateMessage = { status: 'ok', policy: initial };
  return {
    current() {
      if (state.status === 'invalid') throw LatchkeyError.from(state.error);
      return state.policy;
    },
    set(next) {
      state = next;
    },
    isInvalid: () => state.status === 'invalid',
  };
}

/**
 * Serves EnginePolicyContract to main: an invalid policy also locks an open vault at
 * once; 'vault.lockNow' is main relaying sleep or screen lock (main decided by policy).
 */
export function enginePolicyHandlers(holder: PolicyHolder, lockVault: () => void): RpcHandlers<EnginePolicyContract> {
  return {
    'policy.set': (state) => {
      holder.set(state);
      if (state.status === 'invalid') lockVault();
      return { locked: state.status === 'invalid' };
    },
    'vault.lockNow': () => {
      lockVault();
      return { ok: true as const };
    },
  };
}
