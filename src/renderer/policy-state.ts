/**
 * The page's view of the policy in force (no React here, so it is unit-testable):
 * followed from main over PolicyUiContract, falling back to the safe personal defaults
 * when main cannot be reached (the preview without main, or main not answering).
 *
 * Display only. The page never enforces a rule with this: the engine, gateway and sync
 * decide from main's own copy, so a stale or missing view here cannot loosen anything.
 */
import { autoLockMinutes, clipboardClearSeconds } from '../core/policy/session';
import { managedByLabel, personalPolicy } from '../core/policy/effective';
import type { PolicyStateMessage, PolicyUiContract } from '../shared/contracts/policy-ui';
import type { SerializedError } from '../shared/errors';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy, type PolicyField } from '../shared/policy';
import type { RpcClient } from '../shared/rpc/rpc';

export type UiPolicyState = { readonly status: 'ok'; readonly policy: EffectivePolicy } | { readonly status: 'invalid'; readonly error: SerializedError };

/** No managed policy (or main unreachable): personal defaults, nothing locked. */
export const PERSONAL_DEFAULT_STATE: UiPolicyState = Object.freeze({ status: 'ok', policy: personalPolicy() });

/** How long the page waits for main's answer before staying on the defaults (ms). */
const GET_TIMEOUT_MS = 10_000;

/**
 * Fetches the policy state and follows its 'changed' events; `onState` sees every new
 * state. A 'changed' event that arrives before the initial answer wins (it is newer).
 * Returns the unsubscriber.
 */
export function followPolicy(client: RpcClient<PolicyUiContract> | null, onState: (s: UiPolicyState) => void): () => void {
  if (client === null) return () => undefined;
  let live = true;
  let sawEvent = false;
  const off = client.on('changed', (msg) => {
    if (!live) return;
    sawEvent = true;
    onState(fromMessage(msg));
  });
  client.call('policy.get', {}, { timeoutMs: GET_TIMEOUT_MS }).then(
    (msg) => {
      if (live && !sawEvent) onState(fromMessage(msg));
    },
    () => undefined, // main unreachable: keep whatever the caller shows (the defaults)
  );
  return () => {
    live = false;
    off();
  };
}

function fromMessage(msg: PolicyStateMessage): UiPolicyState {
  return msg.status === 'ok' ? { status: 'ok', policy: msg.policy } : { status: 'invalid', error: msg.error };
}

/**
 * Milliseconds before a copied secret is cleared; null = never (the person chose 0
 * and no policy sets a maximum). While the policy is invalid the vault is locked; the
 * personal default applies to anything still copied.
 */
export function clipboardClearMs(state: UiPolicyState): number | null {
  const seconds = state.status === 'ok' ? clipboardClearSeconds(state.policy) : DEFAULT_PERSONAL_SETTINGS.clipboardClearSeconds;
  return seconds === 0 ? null : seconds * 1000;
}

/** "Managed by <org>" when the policy locks `field`, else null (the person may change it). */
export function managedLabel(state: UiPolicyState, field: PolicyField): string | null {
  return state.status === 'ok' ? managedByLabel(state.policy, field) : null;
}

/**
 * The auto-lock the engine applies (see core autoLockMinutes): the person's stored
 * choice under the policy's maximum. Shown in Settings when the field is locked.
 */
export function effectiveAutoLockMinutes(state: UiPolicyState, personalMinutes: number): number {
  if (state.status !== 'ok') return personalMinutes;
  return autoLockMinutes({ ...state.policy, personal: { ...state.policy.personal, autoLockMinutes: personalMinutes } });
}
