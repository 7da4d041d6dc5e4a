/**
 * Persistence of paired agents and grants: a versioned JSON document (format in
 * docs/gateway.md). Not secret — tokens appear only as keyed hashes — but still written
 * with mode 0600 so other users cannot learn which agents and credentials exist.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { approvalKeySchema } from '../../shared/contracts/approval-receipt';
import { agentClientSchema, agentIdSchema, grantModeSchema, serverNameSchema } from '../../shared/contracts/gateway';
import { itemIdSchema } from '../../shared/items';
import type { GatewayStore } from './ports';
import { emptyGuardState, guardStateSchema } from './guard-state';

export const storedAgentSchema = z.object({
  id: agentIdSchema,
  name: z.string().min(1).max(128),
  client: agentClientSchema,
  createdAt: z.number().int(),
  tokenIssuedAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
  revoked: z.boolean(),
  /**
   * When a canary trip stopped the agent (policy canary.cutOffAgent); null while it may
   * call tools. Persisted so a restart does not quietly let a stopped agent back in;
   * files written before this field read as not stopped.
   */
  stoppedAt: z.number().int().nullable().default(null),
  /** hex HMAC-SHA256(tokenKey, token); '' once revoked. */
  tokenHash: z.string().regex(/^([0-9a-f]{64})?$/),
});
export type StoredAgent = z.infer<typeof storedAgentSchema>;

/** `at`: when the person made the grant (ms since the epoch); absent for grants saved before receipts named it. */
export const storedGrantSchema = z.object({ agentId: agentIdSchema, itemId: itemIdSchema, mode: grantModeSchema, at: z.number().int().min(0).optional() });

/** A grant of one downstream MCP server (every tool it offers) to one agent; same modes as credentials. */
export const storedServerGrantSchema = z.object({ agentId: agentIdSchema, server: serverNameSchema, mode: grantModeSchema });
export type StoredServerGrant = z.infer<typeof storedServerGrantSchema>;

const stateV1Schema = z.object({
  format: z.literal('latchkey-gateway-state'),
  version: z.literal(1),
  agents: z.array(storedAgentSchema).max(1000),
  grants: z.array(storedGrantSchema).max(100_000),
});

const stateV2Schema = stateV1Schema.extend({ version: z.literal(2), serverGrants: z.array(storedServerGrantSchema).max(100_000) });

/**
 * Version 2 adds serverGrants; version 3 adds guards (budgets, usage counters, anomaly
 * learning: guard-state.ts). Older files read as version 3 with none of what they lack.
 */
export const gatewayStateSchema = z.union([
  stateV2Schema.extend({
    version: z.literal(3),
    guards: guardStateSchema,
    /** Security keys enrolled to approve requests (touch to approve); each was published by an approval_key.add record. */
    approvalKeys: z.array(approvalKeySchema).max(16).optional(),
  }),
  stateV2Schema.transform((s) => ({ ...s, version: 3 as const, guards: emptyGuardState() })),
  stateV1Schema.transform((s) => ({ ...s, version: 3 as const, serverGrants: [] as StoredServerGrant[], guards: emptyGuardState() })),
]);
export type GatewayState = z.output<typeof gatewayStateSchema>;

export function emptyGatewayState(): GatewayState {
  return { format: 'latchkey-gateway-state', version: 3, agents: [], grants: [], serverGrants: [], guards: emptyGuardState() };
}

export function createMemoryGatewayStore(initial?: unknown): GatewayStore & { readonly saved: unknown } {
  let current: unknown = initial ?? null;
  return {
    get saved() {
      return current;
    },
    load: async () => current,
    save: async (state) => {
      current = JSON.parse(JSON.stringify(state)) as unknown;
    },
  };
}

/** JSON file store; writes a temp file then renames (no torn state on crash). */
export function createFileGatewayStore(file: string): GatewayStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as unknown;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async save(state) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    },
  };
}
