/**
 * Whole-vault transfer between the page and the engine worker: the documented JSON
 * dump (docs/vault-format.md §6, ciphertext only — no key, no plaintext) and bulk
 * import. Served by the worker only in builds made with mode 'e2e' (see
 * engine.worker.ts): the Chromium tests carry vaults between Node and Chromium and
 * drive bulk writes with it. A product export/import feature would reuse it behind
 * the policy's "export allowed" switch.
 */
import { z } from 'zod';
import { vaultDumpSchema } from '../../core/store/dump';
import { defineContract } from '../../shared/rpc/contract';
import { itemDraftSchema, itemSummarySchema } from '../../shared/items';

export const EngineTransferContract = defineContract({
  name: 'engine-transfer',
  methods: {
    /** Every stored record, exactly as stored (encrypted). */
    'vault.dump': { params: z.object({}), result: z.object({ dump: vaultDumpSchema }) },
    /** Replaces the stored vault; refused ('conflict') while unlocked. */
    'vault.load': { params: z.object({ dump: vaultDumpSchema }), result: z.object({ ok: z.literal(true) }) },
    /** Many new items in ONE transaction. */
    'items.import': {
      params: z.object({ items: z.array(itemDraftSchema).min(1).max(5_000) }),
      result: z.object({ items: z.array(itemSummarySchema) }),
    },
  },
  events: {},
});
export type EngineTransferContract = typeof EngineTransferContract;
