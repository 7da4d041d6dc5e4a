/**
 * The persisted part of budgets and anomaly learning, kept in the gateway state file
 * (store.ts, version 3; format in docs/gateway.md §14–§15). Nothing here is a value:
 * ids, minute counters, bare origins, method tokens and SHA-256 digests of path shapes
 * (a path can name a person or a resource; the digest is enough to tell "seen before").
 */
import { z } from 'zod';
import { budgetMethodSchema, budgetSchema } from '../../shared/budgets';
import { auditOriginSchema } from '../../shared/contracts/audit-event';
import { agentIdSchema } from '../../shared/contracts/gateway';
import { itemIdSchema } from '../../shared/items';

/** Minutes in the day window: usage older than this is dropped. */
export const DAY_MINUTES = 1440;
export const MAX_ORIGINS = 256;
export const MAX_METHODS = 32;
export const MAX_PATHS = 4096;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const storedBudgetSchema = z.object({ agentId: agentIdSchema, itemId: itemIdSchema, budget: budgetSchema });
export type StoredBudget = z.infer<typeof storedBudgetSchema>;

/** One grant's use in one minute: [minute since the epoch (UTC ms / 60000, floored), uses, response bytes]. */
const minuteSchema = z.tuple([count, count, count]);
export const storedUsageSchema = z.object({ agentId: agentIdSchema, itemId: itemIdSchema, minutes: z.array(minuteSchema).max(DAY_MINUTES) });
export type StoredUsage = z.infer<typeof storedUsageSchema>;

/** What one credential has been used with (anomaly rules new_destination / new_method / new_path). */
export const storedSeenSchema = z.object({
  itemId: itemIdSchema,
  origins: z.array(auditOriginSchema).max(MAX_ORIGINS),
  methods: z.array(budgetMethodSchema).max(MAX_METHODS),
  /** Lower-case hex of the first 16 bytes of SHA-256 over the path shape's UTF-8 bytes. */
  paths: z.array(z.string().regex(/^[0-9a-f]{32}$/)).max(MAX_PATHS),
});
export type StoredSeen = z.infer<typeof storedSeenSchema>;

export const guardStateSchema = z.object({
  budgets: z.array(storedBudgetSchema).max(100_000),
  usage: z.array(storedUsageSchema).max(100_000),
  seen: z.array(storedSeenSchema).max(100_000),
  /** Released agent uses per local hour of day (index 0–23): the learned usual hours. */
  hours: z.array(count).length(24),
});
export type GuardState = z.infer<typeof guardStateSchema>;

export function emptyGuardState(): GuardState {
  return { budgets: [], usage: [], seen: [], hours: Array.from({ length: 24 }, () => 0) };
}

/** Where the guards read and save their state (the registry: one file, one writer). */
export interface GuardStateHolder {
  guards(): GuardState;
  /** Saves now (a budget the person set). */
  saveGuards(): Promise<void>;
  /** Saves within a few seconds, or at close (counters: one write per use would be the cost of a use). */
  saveGuardsSoon(): void;
}
