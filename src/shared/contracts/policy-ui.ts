/**
 * Main → page: the policy in force, so the UI can show managed settings as locked
 * ("Managed by <org>"), use the managed clipboard time, and explain on the unlock
 * screen why the vault refuses to open when the policy is invalid.
 *
 * Read-only on purpose: the UI only DISPLAYS the policy. Every decision is made where
 * it is enforced (engine, gateway, sync), from the same PolicyService state, so a page
 * that ignored or forged this would still be refused there.
 *
 * The payload is the same as the engine's (EnginePolicyContract 'policy.set'):
 * the effective policy, or the loader's error, which names the file and why.
 */
import { defineContract } from '../rpc/contract';
import { z } from 'zod';
import { policyStateSchema } from './engine-policy';

export { type PolicyStateMessage } from './engine-policy';

export const PolicyUiContract = defineContract({
  name: 'policy-ui',
  methods: {
    'policy.get': { params: z.object({}), result: policyStateSchema },
  },
  events: {
    /** Sent on every change (file replaced, personal settings changed, policy became invalid). */
    changed: policyStateSchema,
  },
});
export type PolicyUiContract = typeof PolicyUiContract;
