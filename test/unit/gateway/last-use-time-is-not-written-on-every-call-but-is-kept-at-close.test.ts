/**
 * A call records the agent's last-use time in memory at once (the Agents view reads
 * it), but the state file is not rewritten on every call: the time is saved with the
 * next change, after a delay, or when the gateway closes — never lost.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import { createGateway, createMemoryGatewayStore, type Gateway } from '../../../src/main/gateway';
import { MemoryVault, itemId, startServer, type TestServer } from './harness';

let api: TestServer;
beforeAll(async () => {
  api = await startServer((_req, res) => res.end('ok'));
});
afterAll(async () => api?.close());

async function setup(): Promise<{ gateway: Gateway; saves: () => number; saved: () => unknown; agentId: string; token: string; itemId: string }> {
  const id = itemId();
  const vault = new MemoryVault([{ id, name: 'API', description: '', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: 'last-use-secret-0123456789' }]);
  const memory = createMemoryGatewayStore();
  let count = 0;
  const gateway = await createGateway({
    credentials: vault,
    audit: { append: () => undefined },
    store: {
      load: () => memory.load(),
      save: async (s) => {
        count++;
        await memory.save(s);
      },
    },
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
  const { agent, token } = await gateway.uiHandlers['agents.pair']({ name: 'Agent', client: 'other' }, {} as never);
  await gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
  return { gateway, saves: () => count, saved: () => memory.saved, agentId: agent.id, token, itemId: id };
}

const storedLastUse = (state: unknown, agentId: string): number | null =>
  (state as { agents: Array<{ id: string; lastUsedAt: number | null }> }).agents.find((a) => a.id === agentId)!.lastUsedAt;

describe('last-use time', () => {
  it('twenty calls: shown at once, no save per call, saved at close', async () => {
    const s = await setup();
    const before = s.saves();
    for (let i = 0; i < 20; i++) {
      const r = await s.gateway.callTool(s.token, 'http_request', { credential: 'API', url: `${api.origin}/x` });
      expect(r.isError).toBeFalsy();
    }
    expect(s.saves()).toBe(before);
    expect(storedLastUse(s.saved(), s.agentId)).toBeNull();
    const shown = (await s.gateway.uiHandlers['agents.list']({}, {} as never)).agents.find((a) => a.id === s.agentId)!;
    expect(shown.lastUsedAt).not.toBeNull();
    await s.gateway.close();
    expect(storedLastUse(s.saved(), s.agentId)).toBe(shown.lastUsedAt);
  });

  it('the next change that saves carries the pending last-use time with it', async () => {
    const s = await setup();
    await s.gateway.callTool(s.token, 'http_request', { credential: 'API', url: `${api.origin}/x` });
    await s.gateway.uiHandlers['grants.set']({ agentId: s.agentId, itemId: s.itemId, mode: 'ask' }, {} as never);
    expect(storedLastUse(s.saved(), s.agentId)).not.toBeNull();
    await s.gateway.close();
  });
});
