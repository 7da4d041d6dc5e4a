/**
 * Gateway benchmarks, each interleaved with a real baseline in the same process:
 * - an injected, approved `http_request` (grant 'always') through the gateway's tool
 *   path in-process, vs a direct http.request to the same local server — wall per
 *   call (the goal), and CPU per call from runs of 10 calls (one call is below the
 *   thread clock's resolution);
 * - the same call through MCP over HTTP (SDK client → gateway), vs plain MCP SDK servers
 *   whose `http_request` tool does the same fetch with the same bearer header and returns
 *   the same result JSON — one on the gateway's own SDK (v2, createMcpHandler + the 2025
 *   stateless transport, JSON answers), one on SDK v1 (stateless Streamable HTTP on
 *   express, JSON answers) — and vs the direct request, beside the plain v2 server alone vs
 *   the direct request (the floor: what MCP over HTTP costs with no gateway in it);
 * Every side keeps its connection to the local server alive (the gateway's egress pool;
 * an http.Agent with keepAlive for the direct request and the plain server's fetch), so
 * no figure includes a TCP handshake the other does not.
 * - a 1 MiB response through the gateway's result screen as it runs on every result
 *   (tools/screen.ts: the engine's scrub over RPC with every view, the echo guard, DLP
 *   with the default policy), against the every-view goal; the scrubber with today's
 *   forms vs an npm Aho-Corasick package (ahocorasick) on the same pattern set, same
 *   span merge and redaction, outputs checked identical; the stream scrubber.
 * Main's CredentialSource is the real engine (Dexie on fake-indexeddb) behind
 * EngineMainContract on a MessageChannel, 1 API credential + 1,000 logins.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createEngine, engineMainHandlers, forwardEngineEvents } from '../src/core';
import { createNodeArgon2Kdf } from '../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../src/core/crypto/random.browser';
import { personalPolicy } from '../src/core/policy';
import type { EffectivePolicy } from '../src/shared/policy';
import { Scrubber } from '../src/core/scrub/scrubber';
import { createDexieStore } from '../src/core/store/store.dexie';
import { EngineMainContract } from '../src/shared/contracts/engine';
import type { ItemDraft } from '../src/shared/items';
import { fromNodeMessagePort } from '../src/shared/rpc/adapters/worker-threads.node.js';
import { connectRpc, serveRpc } from '../src/shared/rpc/rpc';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type CredentialSource } from '../src/main/gateway';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpHandler, isLegacyRequest, McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { getRequestListener } from '@hono/node-server';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import AhoCorasick from 'ahocorasick';
import { z } from 'zod';
import { secretForms } from '../src/core/scrub/forms';
import { REDACTED } from '../src/core/scrub/scrubber';
import { cacheCredentials } from '../src/main/gateway/credential-cache';
import type { AuthenticatedAgent } from '../src/main/gateway/registry';
import type { ToolContext } from '../src/main/gateway/tools/context';
import { screenTexts, type Screened } from '../src/main/gateway/tools/screen';
import type { Bench } from './lib/harness';

const MiB = 1_048_576;
const SECRET = 'bench-secret-' + randomBytes(16).toString('hex');

function newEngine(name: string) {
  return createEngine({
    store: createDexieStore({ name: `${name}-${Date.now()}` }),
    kdf: createNodeArgon2Kdf(),
    random: createWebCryptoRandom(),
    passwordKdf: { memoryKiB: 64, iterations: 1, parallelism: 1 },
    allowWeakKdfForTesting: true,
  });
}

function apiItem(title: string, secret: string, origin: string): ItemDraft {
  return {
    overview: { kind: 'api_credential', title, urls: [], tags: [], description: 'bench', injection: { type: 'bearer' }, allowedOrigins: [origin] },
    details: { kind: 'api_credential', secret, customFields: [] },
  };
}

/** A real engine with the `Bench` credential + `extra` logins, as main sees it (RPC). */
async function engineSource(origin: string, extra: number): Promise<{ source: CredentialSource; itemId: string; close(): void }> {
  const engine = newEngine('bench-gw');
  await engine.createVault('bench password');
  const [bench] = await engine.importItems([apiItem('Bench', SECRET, origin)]);
  // The other secrets are logins: scrubbed like any concealed value, but not listed by
  // credentials.list (1,000 API credentials would make every call parse 1,000 overviews
  // twice over RPC: ≈ 4.5 ms per call measured here — a cost of listing, not of scrubbing).
  await engine.importItems(Array.from({ length: extra }, (_, i) => loginItem(i)));
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const off = forwardEngineEvents(engine, { main: server });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  return {
    source: createEngineCredentialSource(client),
    itemId: bench!.id,
    close() {
      off();
      client.close();
      server.close();
      ch.port1.close();
      ch.port2.close();
    },
  };
}

/** The baselines' connection reuse, as the gateway's egress pool does it. */
const keepAlive = new http.Agent({ keepAlive: true });

function direct(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/x', method: 'GET', headers: { authorization: `Bearer ${SECRET}` }, agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same fetch the gateway's http_request does for this credential: bearer header, body read as text, headers kept. */
function fetchWithBearer(url: string, secret: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers: { authorization: `Bearer ${secret}` }, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const HTTP_OUTPUT = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  bodyEncoding: z.enum(['utf8', 'base64']),
  body: z.string(),
  truncated: z.boolean(),
});

async function plainTool(url: string, secret: string): Promise<{ content: Array<{ type: 'text'; text: string }>; structuredContent: z.infer<typeof HTTP_OUTPUT> }> {
  const r = await fetchWithBearer(url, secret);
  const out = { status: r.status, headers: r.headers, bodyEncoding: 'utf8' as const, body: r.body, truncated: false };
  return { content: [{ type: 'text', text: JSON.stringify(out, null, 2) }], structuredContent: out };
}

/**
 * The same plain server on the gateway's own SDK (v2, @modelcontextprotocol/server 2.4), in that
 * SDK's documented shape for one URL serving both eras: createMcpHandler for 2026-07-28, and
 * for 2025-era clients (the bench's client is one) a strict handler with the 2025 stateless
 * transport routed in front of it by isLegacyRequest — answering in JSON as the v1 server
 * above does and as the gateway does for a call that asked for no progress. Mounted on
 * node:http with @hono/node-server's request listener (what the SDK's node adapter wraps).
 */
async function plainSdkV2Server(secret: string): Promise<{ url: string; close(): Promise<void> }> {
  const factory = (): McpServerV2 => {
    const server = new McpServerV2({ name: 'plain', version: '1' });
    server.registerTool('http_request', { inputSchema: z.object({ credential: z.string(), url: z.string() }), outputSchema: HTTP_OUTPUT }, ({ url }) => plainTool(url, secret));
    return server;
  };
  const modern = createMcpHandler(factory, { legacy: 'reject' });
  const listener = getRequestListener(async (request: Request) => {
    const parsedBody: unknown = request.method === 'POST' ? await request.json() : undefined;
    if (!(await isLegacyRequest(request, parsedBody))) return modern.fetch(request, { parsedBody });
    const server = factory();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody });
    void transport.close();
    void server.close();
    return response;
  });
  const httpServer = http.createServer((req, res) => void listener(req, res));
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`,
    close: () =>
      new Promise((r) => {
        httpServer.close(() => r());
        httpServer.closeAllConnections();
      }),
  };
}

/**
 * A plain MCP SDK server with one tool doing that fetch: no vault, policy, grants, scrubbing or audit.
 * Its result has the gateway's shape (the same JSON text — status, headers, bodyEncoding, body,
 * truncated — and the same object as structuredContent under a declared output schema), so both
 * sides serialise, send and parse the same amount of JSON.
 */
async function plainSdkServer(secret: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  app.post('/mcp', async (req, res) => {
    const server = new McpServer({ name: 'plain', version: '1' });
    server.registerTool(
      'http_request',
      {
        inputSchema: { credential: z.string(), url: z.string() },
        outputSchema: HTTP_OUTPUT.shape,
      },
      ({ url }) => plainTool(url, secret),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const listener = await new Promise<http.Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return { url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`, close: () => new Promise((r) => listener.close(() => r())) };
}

async function mcpClient(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {}));
  return client;
}

/** The calls the rows compare, for a driver that profiles one of them alone (bench/gateway-mcp.row.ts). */
export interface OverheadCalls {
  gatewayMcp(): Promise<unknown>;
  plainMcp(): Promise<unknown>;
  plainV2Mcp(): Promise<unknown>;
  gatewayTool(): Promise<unknown>;
  direct(): Promise<void>;
}

/** `only: 'mcp'` runs just the MCP-over-HTTP rows; a function gets the calls instead of any row. */
export async function overhead(bench: Bench, only?: 'mcp' | ((calls: OverheadCalls) => Promise<void>)): Promise<void> {
  const body = JSON.stringify({ ok: true, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) });
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const vault = await engineSource(origin, 1000);
  const gateway = await createGateway({
    credentials: vault.source,
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, rateLimit: { perMinute: 1e9, burst: 1e9 } },
  });
  const { url } = await gateway.start();
  const { agent, token } = await gateway.uiHandlers['agents.pair']({ name: 'bench', client: 'other' }, {} as never);
  await gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: vault.itemId, mode: 'always' }, {} as never);
  const plain = await plainSdkServer(SECRET);
  const args = { credential: 'Bench', url: `${origin}/x` };
  const gwClient = await mcpClient(url!, token);
  const plainClient = await mcpClient(plain.url);
  const plainV2 = await plainSdkV2Server(SECRET);
  const plainV2Client = await mcpClient(plainV2.url);
  const ok = (r: unknown) => {
    const text = JSON.stringify(r);
    if (!text.includes('item 19') || text.includes(SECRET)) throw new Error('tool call did not return the scrubbed body');
  };
  const directW = { name: 'direct http.request to the same server (kept-alive connection)', run: () => direct(port) };
  const CALLS = 50;
  const times = async (n: number, fn: () => Promise<unknown>, check?: (r: unknown) => void): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const r = await fn();
      check?.(r);
    }
  };
  const rounds = bench.rounds(1000, 300);
  const mcpRounds = bench.rounds(300, 100);
  let cpu: { thread?: number; process?: number } = {};
  let floorAdded: number | undefined;
  try {
    if (typeof only === 'function') {
      return await only({
        gatewayMcp: () => gwClient.callTool({ name: 'http_request', arguments: args }).then((r) => (ok(r), r)),
        plainV2Mcp: () => plainV2Client.callTool({ name: 'http_request', arguments: args }).then((r) => (ok(r), r)),
        plainMcp: () => plainClient.callTool({ name: 'http_request', arguments: args }).then((r) => (ok(r), r)),
        gatewayTool: () => gateway.callTool(token, 'http_request', args).then((r) => (ok(r), r)),
        direct: () => direct(port),
      });
    }
    if (only !== 'mcp') {
      await bench.compare({
        name: 'injected http_request, gateway tool path in-process',
        unit: 'ms',
        rounds,
        warmup: 100,
        subject: { name: 'gateway.callTool (policy, grant, credentials.use + results.scrub over RPC, audit)', run: () => gateway.callTool(token, 'http_request', args), after: ok },
        baseline: directW,
        goals: [{ metric: 'wall', stat: 'p50', of: 'added', op: '<=', value: 1, unit: 'ms', source: 'issue 15' }],
      });
      const perCall = await bench.compare({
        name: `injected http_request, gateway tool path in-process — CPU per call (runs of ${CALLS} calls)`,
        unit: 'ms',
        opsPerRun: CALLS,
        rounds: bench.rounds(30, 10),
        warmup: 5,
        subject: { name: `${CALLS} × gateway.callTool`, run: () => times(CALLS, () => gateway.callTool(token, 'http_request', args), ok) },
        baseline: { name: `${CALLS} × direct http.request (kept-alive)`, run: () => times(CALLS, () => direct(port)) },
        notes: ['No goal: the goal is on wall time per call (above); this row shows where the time goes in CPU.'],
      });
      cpu = { ...(perCall.added?.cpu ? { thread: perCall.added.cpu.p50 } : {}), ...(perCall.added?.processCpu ? { process: perCall.added.processCpu.p50 } : {}) };
    }
    await bench.compare({
      name: 'injected http_request through MCP over HTTP, over a plain server on the same SDK (v2)',
      unit: 'ms',
      rounds: mcpRounds,
      warmup: 30,
      subject: { name: 'SDK client → Latchkey gateway', run: () => gwClient.callTool({ name: 'http_request', arguments: args }), after: ok },
      baseline: {
        name: 'SDK client → plain MCP SDK v2 server (@modelcontextprotocol/server 2.4, as the gateway) doing the same fetch',
        run: () => plainV2Client.callTool({ name: 'http_request', arguments: args }),
        after: ok,
      },
      goals: [{ metric: 'wall', stat: 'p50', of: 'ratio', op: '<=', value: 1.2, unit: '×', source: 'issue 15' }],
    });
    await bench.compare({
      name: 'injected http_request through MCP over HTTP, over a plain server on SDK v1',
      unit: 'ms',
      rounds: mcpRounds,
      warmup: 30,
      subject: { name: 'SDK client → Latchkey gateway', run: () => gwClient.callTool({ name: 'http_request', arguments: args }), after: ok },
      baseline: {
        name: 'SDK client → plain MCP SDK v1 server (@modelcontextprotocol/sdk 1.32, express, JSON responses) doing the same fetch',
        run: () => plainClient.callTool({ name: 'http_request', arguments: args }),
        after: ok,
      },
      goals: [{ metric: 'wall', stat: 'p50', of: 'ratio', op: '<=', value: 1.2, unit: '×', source: 'issue 15' }],
      notes: ['The v1 server builds an Ajv instance per request (its Server constructor), ≈ 0.3 ms of its time here; the v2 row above has no such cost.'],
    });
    await bench.compare({
      name: `injected http_request through MCP over HTTP — CPU per call (runs of ${CALLS} calls)`,
      unit: 'ms',
      opsPerRun: CALLS,
      rounds: bench.rounds(20, 7),
      warmup: 3,
      subject: { name: `${CALLS} × SDK client → Latchkey gateway`, run: () => times(CALLS, () => gwClient.callTool({ name: 'http_request', arguments: args }), ok) },
      baseline: { name: `${CALLS} × SDK client → plain MCP SDK v2 server`, run: () => times(CALLS, () => plainV2Client.callTool({ name: 'http_request', arguments: args }), ok) },
      notes: ['No goal: CPU of client and server together (both run on this thread), beside the wall-time goal above.'],
    });
    await bench.compare({
      name: 'injected http_request through MCP over HTTP, over a direct request',
      unit: 'ms',
      rounds: mcpRounds,
      warmup: 30,
      subject: { name: 'SDK client → Latchkey gateway', run: () => gwClient.callTool({ name: 'http_request', arguments: args }), after: ok },
      baseline: directW,
      goals: [{ metric: 'wall', stat: 'p50', of: 'added', op: '<=', value: 1, unit: 'ms', source: 'issue 15 (read on the agent-facing path)' }],
      notes: [
        "The floor under this goal is the next row: MCP over HTTP with no gateway at all (the plain SDK v2 server, same client, same fetch) over the same direct request. Whatever that row adds, the gateway's path cannot add less; the gateway's own share is the ratio row's (and the in-process tool path's) figure.",
      ],
    });
    const floor = await bench.compare({
      name: 'plain MCP SDK v2 server alone, over a direct request (the floor of the row above)',
      unit: 'ms',
      rounds: mcpRounds,
      warmup: 30,
      subject: {
        name: 'SDK client → plain MCP SDK v2 server doing the same fetch',
        run: () => plainV2Client.callTool({ name: 'http_request', arguments: args }),
        after: ok,
      },
      baseline: directW,
      notes: ['No goal: what the SDK client, the SDK server and its transport add over the same fetch made directly — no vault, policy, grants, scrub or audit.'],
    });
    floorAdded = floor.added?.wall.p50;
  } finally {
    await gwClient.close();
    await plainClient.close();
    await plain.close();
    await plainV2Client.close();
    await plainV2.close();
    await gateway.close();
    vault.close();
    keepAlive.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(3)} ms`);
  bench.note(
    `CPU the gateway adds per call over the direct request (paired per round, p50 of runs of ${CALLS}): ${ms(cpu.thread)} on this thread (gateway, engine and the local server all run on it), ${ms(cpu.process)} in the whole process (incl. GC helper threads).`,
  );
  if (floorAdded !== undefined) {
    bench.note(
      `The plain MCP SDK v2 server alone adds ${ms(floorAdded)} (p50 of paired rounds) over the direct request, with no gateway in the path: the floor under the "MCP over HTTP, over a direct request" row, whose ≤ 1 ms goal (issue 15) is stated on the agent-facing path and kept as the issue states it.`,
    );
  }
  bench.note(
    "Every side keeps its connection to the local server alive: the gateway through its egress pool (one pool per origin and checked address), the direct request and the plain SDK server through an http.Agent with keepAlive. The vault holds the `Bench` API credential and 1,000 logins (2,001 concealed values scrubbed). The ≤ 1 ms \"added\" goal is shown on both the in-process tool path (the gateway's own work) and the MCP path (what an agent sees, incl. the SDK's per-request server and transport set-up, which the plain-SDK ratios isolate). The plain servers return the gateway's result shape (the same JSON text and structuredContent) and answer in JSON, as the gateway does for a 2025-era call without a progressToken; the bench's client (SDK v1) speaks 2025-11-25.",
  );
}

/** A 1 MiB JSON-ish response: records, a vault secret every 50th, base64 of one every 77th. */
function response(secrets: readonly string[]): string {
  const parts: string[] = [];
  let size = 0;
  for (let k = 0; size < MiB; k++) {
    const p =
      k % 50 === 0
        ? `"leak":"${secrets[k % secrets.length]}",`
        : k % 77 === 0
          ? `"b64":"${Buffer.from(secrets[k % secrets.length]!).toString('base64')}",`
          : `{"id":${k},"name":"record number ${k}","tags":["alpha","beta"],"v":${(k * 7919) % 1000}},`;
    parts.push(p);
    size += p.length;
  }
  // Flat, as a body is when it arrives (TextDecoder, then structured clone to the engine):
  // a sliced string (what .slice() of a join gives) is ≈ 3× slower to scan for every side.
  return Buffer.from(parts.join('').slice(0, MiB), 'latin1').toString('latin1');
}

/** The npm package finds matches only: merging overlapping spans and splicing in the marker is the rest of the work the scrubber does. */
function acRedactor(patterns: string[]): (t: string) => string {
  const ac = new AhoCorasick(patterns);
  return (t) => {
    const spans: Array<[number, number]> = [];
    for (const [end, words] of ac.search(t)) spans.push([end + 1 - Math.max(...words.map((w) => w.length)), end + 1]);
    spans.sort((x, y) => x[0] - y[0]);
    let out = '';
    let at = 0;
    let cur: [number, number] | undefined;
    for (const sp of spans) {
      if (cur && sp[0] <= cur[1]) cur[1] = Math.max(cur[1], sp[1]);
      else {
        if (cur) {
          out += t.slice(at, cur[0]) + REDACTED;
          at = cur[1];
        }
        cur = [sp[0], sp[1]];
      }
    }
    if (cur) out += t.slice(at, cur[0]) + REDACTED;
    return out + t.slice(cur ? cur[1] : at);
  };
}

/**
 * What the gateway runs on every result before an agent sees it (tools/screen.ts, as
 * http_request calls it): the engine's vault-wide scrub over RPC (every normalizing
 * view: the default), the echo guard for the injected secret, and DLP with the
 * default policy's actions. `recordFinding` (signing DLP findings) is a no-op here:
 * the audit log's own cost is in the audit bench.
 */
async function gatewayScreen(
  secrets: readonly string[],
): Promise<{ screen: (texts: string[]) => Promise<Screened>; screenWithoutDlp: (texts: string[]) => Promise<Screened>; close(): void }> {
  const engine = newEngine('bench-gw-scrub');
  await engine.createVault('bench password');
  const origin = 'https://api.example.com';
  const [bench] = await engine.importItems([apiItem('Bench', SECRET, origin)]);
  await engine.importItems(
    secrets.map((secret, i) => ({
      overview: { kind: 'login' as const, title: `site ${i}`, username: `user${i}@example.com`, urls: [], tags: [] },
      details: { kind: 'login' as const, password: secret, customFields: [] },
    })),
  );
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const off = forwardEngineEvents(engine, { main: server });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  const credentials = cacheCredentials(createEngineCredentialSource(client));
  const ctx = { credentials, policy: () => personalPolicy(), recordFinding: async () => undefined } as unknown as ToolContext;
  // A managed policy that turns every DLP category off: the same screen, vault secrets only.
  const dlpOff: EffectivePolicy = {
    ...personalPolicy(),
    managed: true,
    orgName: 'Bench',
    policy: { version: 1, org: { name: 'Bench' }, dlp: { secrets: 'off', cards: 'off', iban: 'off', email: 'off', phone: 'off' } },
  };
  const ctxNoDlp = { ...ctx, policy: () => dlpOff } as unknown as ToolContext;
  const agent = { id: 'bench-agent', name: 'bench' } as unknown as AuthenticatedAgent;
  const source = { tool: 'http_request', destination: origin, audit: { tool: 'http_request', origin, method: 'GET' } } as const;
  // The matcher's background build after unlock is not part of a scrub: wait for it once.
  await credentials.scrub(['warm-up']);
  return {
    screen: (texts) => screenTexts(ctx, agent, source, texts, undefined, { secret: SECRET, since: credentials.generation(), itemId: bench!.id }),
    screenWithoutDlp: (texts) => screenTexts(ctxNoDlp, agent, source, texts, undefined, { secret: SECRET, since: credentials.generation(), itemId: bench!.id }),
    close() {
      credentials.dispose();
      off();
      client.close();
      server.close();
      ch.port1.close();
      ch.port2.close();
    },
  };
}

export async function scrubbing(bench: Bench): Promise<void> {
  const secrets = Array.from({ length: 1000 }, () => randomBytes(18 + Math.floor(Math.random() * 12)).toString('base64url'));
  const text = response(secrets);
  const bytes = Buffer.byteLength(text);
  const gw = await gatewayScreen(secrets);
  // The texts http_request hands to the screen: body, note, header names and values.
  const texts = [text, '', 'content-type', 'application/json', 'date', new Date().toUTCString()];
  try {
    const first = await gw.screen(texts);
    if (first.echoed || first.blocked || first.texts[0]!.includes(secrets[0]!)) throw new Error('the gateway screen did not return the scrubbed body');
    const redactions = first.texts[0]!.split(REDACTED).length - 1;
    await bench.compare({
      name: 'a 1 MiB response through the gateway result screen (default policy: every normalizing view, echo guard, DLP), 1,000 secrets in the vault',
      unit: 'MB/s',
      work: bytes,
      rounds: bench.rounds(15),
      warmup: 2,
      subject: { name: 'screenTexts: engine results.scrub over RPC + echo guard + DLP (tools/screen.ts)', run: () => gw.screen(texts) },
      goals: [
        {
          metric: 'wall',
          stat: 'p50',
          op: '>=',
          value: 100,
          unit: 'MB/s',
          source: "issue 10's every-view goal applied to the whole screen, DLP included (stricter than the issue, whose goal is the scrub)",
        },
      ],
      notes: [
        `${redactions} redactions. The engine answers over a MessageChannel on this thread (in the app it runs in its own worker: the same work, one thread hop more). No baseline: no npm package does the views, the echo guard and DLP, and today's scrubber does less work (today's forms only), so no ratio is printed; both baselines of the scrubber itself are in "Scrubber — speed (issue 10)" and the row below. The DLP findings' signing (recordFinding) is not timed here (audit bench).`,
      ],
    });
    const noDlp = await gw.screenWithoutDlp(texts);
    if (noDlp.echoed || noDlp.texts[0]!.includes(secrets[0]!)) throw new Error('the gateway screen without DLP did not return the scrubbed body');
    await bench.compare({
      name: 'the same 1 MiB response through the gateway result screen with DLP off (every normalizing view, echo guard), 1,000 secrets in the vault',
      unit: 'MB/s',
      work: bytes,
      rounds: bench.rounds(15),
      warmup: 2,
      subject: { name: 'screenTexts with every dlp.* category off: engine results.scrub over RPC + echo guard', run: () => gw.screenWithoutDlp(texts) },
      goals: [{ metric: 'wall', stat: 'p50', op: '>=', value: 100, unit: 'MB/s', source: 'issue 10 (every normalizing view on: the gateway default)' }],
      notes: [
        'The scrub as the gateway runs it on a result (RPC both ways, every view, the echo guard from the same scan), without the DLP pass that the row above adds. No baseline, for the reasons in the row above.',
      ],
    });
  } finally {
    gw.close();
  }

  const exact = new Scrubber(secrets, { views: false });
  const ac = acRedactor([...new Set(secrets.flatMap((s) => secretForms(s)))]);
  const ours = exact.redact(text);
  if (ours.text !== ac(text)) throw new Error('Scrubber { views: false } and the npm Aho–Corasick redaction differ: the baseline would not do the same work');
  await bench.compare({
    name: "scrub a 1 MiB response, 1,000 secrets, today's forms, vs an npm Aho–Corasick",
    unit: 'MB/s',
    work: bytes,
    rounds: bench.rounds(15),
    warmup: 2,
    subject: { name: 'Scrubber { views: false } (src/core/scrub)', run: () => exact.scrub(text) },
    baseline: { name: 'npm ahocorasick 1.0.2 on the same patterns + the same span merge and redaction', run: () => ac(text) },
    goals: [{ metric: 'wall', stat: 'p50', op: '>=', value: 200, unit: 'MB/s', source: "issue 10 (today's forms)" }],
    notes: [
      `${exact.patternCount.toLocaleString('en-US')} patterns (every exact form of 1,000 secrets of 18–29 bytes); ${ours.redactions} redactions; both outputs identical (checked before timing).`,
    ],
  });

  const views = new Scrubber(secrets);
  const streamed = (): string => {
    const s = views.stream();
    let out = '';
    for (let off = 0; off < text.length; off += 16 * 1024) out += s.push(text.slice(off, off + 16 * 1024));
    return out + s.end();
  };
  await bench.compare({
    name: 'scrub a 1 MiB output streamed in 16 KiB chunks (every normalizing view), 1,000 secrets',
    unit: 'MB/s',
    work: bytes,
    rounds: bench.rounds(15),
    warmup: 2,
    subject: { name: 'StreamScrubber (latchkey run --real-env output)', run: streamed },
    goals: [{ metric: 'wall', stat: 'p50', op: '>=', value: 100, unit: 'MB/s', source: 'issue 10 (every normalizing view on)' }],
    notes: [
      "The gateway never streams: run_command output and downstream results, streamed ones included, are collected (size-capped) and go through the screen above whole. StreamScrubber is what `latchkey run --real-env` uses on a child's output. No baseline: the npm package finds matches in a stream but does not redact one, so it would not do the same work.",
    ],
  });
}

/** Like the vault bench's items: a login with a password and a concealed custom field. */
function loginItem(i: number): ItemDraft {
  return {
    overview: { kind: 'login', title: `site ${i}`, username: `user${i}@example.com`, urls: [`https://s${i % 97}.example.com/login`], tags: [] },
    details: {
      kind: 'login',
      password: `pw-${i}-${randomBytes(9).toString('base64url')}`,
      notes: 'n'.repeat(200),
      customFields: [{ id: 'q', name: 'Security question', concealed: true, value: `answer-${randomBytes(6).toString('hex')}` }],
    },
  };
}

export default async function gatewayBench(bench: Bench): Promise<void> {
  await bench.section('Gateway — injected http_request (same local server, approved)', () => overhead(bench));
  await bench.section('Gateway — scrubbing responses', () => scrubbing(bench));
}
