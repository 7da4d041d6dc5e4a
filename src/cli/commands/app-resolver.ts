/**
 * The running app's side of `latchkey run` / `latchkey inject`: reference resolution
 * (grant, approval, policy, signed record), the per-device CA and the policy. The app
 * does not yet expose these to the CLI over its local socket, so this says so plainly
 * instead of reading the vault some other way.
 */
import { LatchkeyError } from '../../shared/errors';
import type { RunDeps } from './run-core';

export async function appReferenceResolver(): Promise<Pick<RunDeps, 'resolver' | 'ca' | 'policy' | 'record'>> {
  const unavailable = (): never => {
    throw new LatchkeyError(
      'unsupported',
      'This Latchkey app does not yet resolve latchkey:// references for the command line; use run_command from an agent, or update Latchkey.',
    );
  };
  return { resolver: { resolve: async () => unavailable() }, ca: async () => unavailable(), policy: () => unavailable(), record: async () => unavailable() };
}
