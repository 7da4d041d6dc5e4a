/**
 * Promise: an MCP server the person connects in Settings is stored in the vault and run
 * by the gateway for agents — no GatewayOptions.downstream. The real engine (its
 * settings record) and the real gateway over EngineMainContract, the real
 * @modelcontextprotocol/server-everything over stdio (a credential in its environment)
 * and over streamable HTTP (a credential in a header), and an agent with the MCP SDK
 * client. Removing the server in the vault stops its process; a locked vault runs none;
 * unlocking brings them back; an HTTP server at a URL its credential may not go to never
 * gets it.
 */
import 'fake-indexeddb/auto';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpServerConfig } from '../../src/shared/mcp-servers';
import { PASSWORD, apiCredentialDraft, makeHarness, type Harness } from '../unit/core/helpers';
import { callTool, startGatewayOverEngine, type GatewayOverEngine } from './gateway-over-engine';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/package.json').replace(/package\.json$/, 'dist/index.js');
// server-everything reads only its first argument: the marker finds the processes the gateway started.
const MARKER = `latchkey-test-${randomBytes(6).toString('hex')}`;
const SECRET = 'mcp-vault-secret-Qw0123456789abcdef';

let h: Harness;
let main: GatewayOverEngine;
let httpServer: ChildProcess;
let httpUrl: string;
let changes = 0;
let waiters: Array<() => void> = [];

/** Processes whose command line carries MARKER (Linux /proc). */
function markedProcesses(): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(MARKER)) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Waits for the next time the gateway says its server list changed (the Agents page refreshes on it). */
function nextChange(): Promise<void> {
  const seen = changes;
  return new Promise((resolve) => {
    const check = (): void => (changes > seen ? resolve() : void waiters.push(check));
    check();
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits for the marked processes to have exited (a closed stdio transport ends its child). */
async function untilNoMarkedProcess(): Promise<number> {
  for (let i = 0; i < 200 && markedProcesses() > 0; i++) await new Promise((r) => setTimeout(r, 25));
  return markedProcesses();
}

beforeAll(async () => {
  const port = await freePort();
  httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    httpServer.stderr!.on('data', (b: Buffer) => {
      if (b.toString().includes('listening on port')) resolve();
    });
    httpServer.once('exit', () => reject(new Error('server-everything (HTTP) exited')));
  });
  httpUrl = `http://127.0.0.1:${port}/mcp`;

  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  const item = await h.engine.createItem(apiCredentialDraft('Everything token', SECRET, { allowedOrigins: [`http://127.0.0.1:${port}`] }));
  const stdio: McpServerConfig = {
    name: 'local-everything',
    transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio', MARKER] },
    credentials: [{ itemId: item.id, env: 'EVERYTHING_TOKEN' }],
  };
  const web: McpServerConfig = { name: 'web-everything', transport: { type: 'http', url: httpUrl }, credentials: [{ itemId: item.id, header: 'X-Everything-Token' }] };
  await h.engine.saveMcpServer(stdio);
  await h.engine.saveMcpServer(web);

  main = await startGatewayOverEngine(h.engine, { answer: () => 'session' });
  main.gateway.subscribe((event) => {
    if (event !== 'agents-changed') return;
    changes++;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
}, 60_000);

afterAll(async () => {
  await main?.close();
  httpServer?.kill();
});

describe('MCP servers connected in the vault', () => {
  let agent: Awaited<ReturnType<GatewayOverEngine['connectAgent']>>;

  it('are listed to an agent namespaced, and their tools answer over stdio and over streamable HTTP', async () => {
    agent = await main.connectAgent('mcp-agent');
    const grants = await main.gateway.uiHandlers['serverGrants.get']({ agentId: agent.id }, {} as never);
    expect(grants.grants.map((g) => g.server)).toEqual(['local-everything', 'web-everything']);
    const names = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['local-everything__echo', 'web-everything__echo']));
    const a = await callTool(agent.client, 'local-everything__echo', { message: 'over stdio' });
    expect(a).toEqual({ isError: false, text: expect.stringContaining('over stdio') });
    const b = await callTool(agent.client, 'web-everything__echo', { message: 'over http' });
    expect(b).toEqual({ isError: false, text: expect.stringContaining('over http') });
    // The stdio server got the credential in its environment; the agent never sees it.
    const env = await callTool(agent.client, 'local-everything__get-env', {});
    expect(env.text).not.toContain(SECRET);
    expect(markedProcesses()).toBe(1);
  }, 60_000);

  it('removing one in the vault stops its process and takes its tools off the list; the other keeps working', async () => {
    const changed = nextChange();
    await h.engine.removeMcpServer('local-everything');
    await changed;
    expect(await untilNoMarkedProcess()).toBe(0);
    const names = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('local-everything__echo');
    expect(names).toContain('web-everything__echo');
    const gone = await callTool(agent.client, 'local-everything__echo', { message: 'still there?' });
    expect(gone.isError).toBe(true);
    const grants = await main.gateway.uiHandlers['serverGrants.get']({ agentId: agent.id }, {} as never);
    expect(grants.grants.map((g) => g.server)).toEqual(['web-everything']);
  }, 60_000);

  it('a locked vault runs none of them; unlocking brings them back', async () => {
    const item = h.engine.listCredentials()[0]!;
    const added = nextChange();
    await h.engine.saveMcpServer({
      name: 'local-everything',
      transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio', MARKER] },
      credentials: [{ itemId: item.id, env: 'EVERYTHING_TOKEN' }],
    });
    await added;
    // The re-added server is listed (and so started) again.
    expect((await agent.client.listTools()).tools.map((t) => t.name)).toContain('local-everything__echo');
    expect(markedProcesses()).toBe(1);

    const locked = nextChange();
    h.engine.lock('user');
    await locked;
    expect(await untilNoMarkedProcess()).toBe(0);
    const grants = await main.gateway.uiHandlers['serverGrants.get']({ agentId: agent.id }, {} as never);
    expect(grants.grants).toEqual([]);
    const names = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.includes('__'))).toEqual([]);
    expect(markedProcesses()).toBe(0);

    const unlocked = nextChange();
    await h.engine.unlockWithPassword(PASSWORD);
    await unlocked;
    const again = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(again).toEqual(expect.arrayContaining(['local-everything__echo', 'web-everything__echo']));
  }, 60_000);

  it("an HTTP server whose URL the credential's destination rules do not allow never gets it: left out, its calls refused", async () => {
    const elsewhere = await h.engine.createItem(apiCredentialDraft('Elsewhere token', 'elsewhere-secret-0123456789', { allowedOrigins: ['https://api.elsewhere.example'] }));
    const added = nextChange();
    await h.engine.saveMcpServer({ name: 'wrong-origin', transport: { type: 'http', url: httpUrl }, credentials: [{ itemId: elsewhere.id, header: 'X-Token' }] });
    await added;
    const names = (await agent.client.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('wrong-origin__'))).toBe(false);
    const refused = await callTool(agent.client, 'wrong-origin__echo', { message: 'x' });
    expect(refused.isError).toBe(true);
    expect(refused.text).not.toContain('elsewhere-secret');
  }, 60_000);
});
