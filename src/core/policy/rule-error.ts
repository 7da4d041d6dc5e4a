import { LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy, PolicyField } from '../../shared/policy';

/**
 * The one way a managed rule refuses something: code 'policy_forbidden', a message
 * that says what was refused, which organisation decided it and which rule, so the
 * person knows it is not a bug and whom to ask. details.rule lets the UI link to it.
 */
export function forbiddenByPolicy(p: EffectivePolicy, rule: PolicyField, what: string): LatchkeyError {
  const org = p.orgName ?? 'your organisation';
  return new LatchkeyError('policy_forbidden', `${what} ${org}'s policy does not allow it (rule ${rule}); ask your IT team if you need it.`, { rule, org });
}

/** A refusal from the person's own settings (not a managed rule). */
export function forbiddenBySettings(what: string, setting: string): LatchkeyError {
  return new LatchkeyError('forbidden', `${what} It is turned off in your settings (${setting}).`, { setting });
}
