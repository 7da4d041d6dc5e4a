/**
 * Settings' auto-lock control under policy: when the policy locks
 * session.autoLockMinutes the control is disabled and shows the time the engine
 * actually applies (which may be a value the menu does not list, e.g. 20 min).
 */
import { effectiveAutoLockMinutes } from '../policy-state';
import { useManagedLabel, usePolicy } from './PolicyProvider';

export interface ManagedAutoLock {
  /** "Managed by <org>", or null when the person may choose. */
  readonly label: string | null;
  /** The value to show (undefined until the engine's settings are loaded). */
  readonly minutes: number | undefined;
  /** The menu's choices, plus the shown value if it is not one of them. */
  readonly choices: readonly number[];
}

export function useManagedAutoLock(personalMinutes: number | undefined, choices: readonly number[]): ManagedAutoLock {
  const state = usePolicy();
  const label = useManagedLabel('session.autoLockMinutes');
  const minutes = personalMinutes === undefined || label === null ? personalMinutes : effectiveAutoLockMinutes(state, personalMinutes);
  const all =
    minutes === undefined || choices.includes(minutes) ? choices : [...choices.filter((m) => m !== 0 && m < minutes), minutes, ...choices.filter((m) => m === 0 || m > minutes)];
  return { label, minutes, choices: all };
}
