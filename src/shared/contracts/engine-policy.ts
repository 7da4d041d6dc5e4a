/**
 * Main → engine: the policy in force, and the session events it governs. Main loads and verifies policy files (the
 * engine cannot read them) and pushes the result on every engine connection and on
 * every change, so the engine decides with the policy of the moment.
 *
 * An 'invalid' state is pushed too: the engine then locks and refuses every unlock
 * with that error, which names the file and why (fail closed).
 */
import { z } from 'zod';
import { serializedErrorSchema } from '../errors';
import { effectivePolicySchema } from '../policy';
import { defineContract } from '../rpc/contract';

export const policyStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), policy: effectivePolicySchema }),
  z.object({ status: z.literal('invalid'), error: serializedErrorSchema }),
]);
export type PolicyStateMessage = z.infer<typeof policyStateSchema>;

export const EnginePolicyContract = defineContract({
  name: 'engine-policy',
  methods: {
    'policy.set': { params: policyStateSchema, result: z.object({ locked: z.boolean() }) },
    /** Main saw the machine sleep or the screen lock, and the policy says to lock then. */
    'vault.lockNow': { params: z.object({ reason: z.enum(['sleep', 'screen_lock']) }), result: z.object({ ok: z.literal(true) }) },
  },
  events: {},
});
export type EnginePolicyContract = typeof EnginePolicyContract;
