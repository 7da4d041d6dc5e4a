/**
 * A real server from the registry as a downstream server: @modelcontextprotocol/
 * server-everything over stdio, started by the gateway's SDK v2 client with a credential
 * in its environment. Its tools reach the agent namespaced, on both protocol eras; a
 * call works after approval; and when the server hands the credential back (its get-env
 * tool prints the environment) the agent never gets it.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent, type AgentClient } from './clients';
import { itemId, startHarness, type Harness } from './harness';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/package.json').replace(/package\.json$/, 'dist/index.js');
const SECRET = 'everything-secret-Zx0123456789abcdef';
const id = itemId();
let h: Harness;
let agent: { id: string; token: string };
const open: AgentClient[] = [];

beforeAll(async () => {
  h = await startHarness([{ id, name: 'Everything token', description: 'for server-everything', injection: { type: 'bearer' }, allowedOrigins: [], secret: SECRET }], {
    downstream: [
      {
        name: 'everything',
        transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] },
        credentials: [{ credential: 'Everything token', env: 'EVERYTHING_TOKEN' }],
      },
    ],
  });
  agent = await h.pair('Everything agent');
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'session' }, {} as never);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
});

describe.each(['v1', 'v2-modern'] as const)('server-everything behind the gateway: %s', (kind) => {
  it('its tools are listed namespaced; echo answers; get-env, which prints its environment, never gets the credential to the agent', async () => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    const names = (await c.listTools()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['http_request', 'everything__echo', 'everything__get-env']));
    const echo = await c.callTool('everything__echo', { message: 'hello from the agent' });
    expect(echo.isError).toBe(false);
    expect(echo.text).toContain('hello from the agent');
    // The server hands its own credential back: the echo guard withholds the result (or it is redacted); never the value.
    const env = await c.callTool('everything__get-env', {});
    expect(env.text.length).toBeGreaterThan(0);
    expect(env.text).not.toContain(SECRET);
  });
});
