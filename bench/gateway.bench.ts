/**
 * Gateway benchmarks:
 * - overhead of an injected http_request (approved: grant 'always') over a direct
 *   request to the same local server — in-process tool path and full MCP over HTTP.
 *   Main's CredentialSource is the real engine (Dexie on fake-indexeddb) behind
 *   EngineMainContract on a MessageChannel, 1 API credential + 1,000 logins: each
 *   call fetches one secret ('credentials.use') and sends the result to the engine's
 *   'results.scrub';
 * - scrubbing throughput on 1 MiB responses with 1,000 secrets (src/core/scrub);
 * - what the engine's first 'results.scrub' after unlock costs on a 10k-item vault
 *   (decrypt every item's details once, build the matcher).
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
import { Scrubber } from '../src/core/scrub/scrubber';
import { createDexieStore } from '../src/core/store/store.dexie';
import { EngineMainContract } from '../src/shared/contracts/engine';
import type { ItemDraft } from '../src/shared/items';
import { fromNodeMessagePort } from '../src/shared/rpc/adapters/worker-threads.node.js';
import { connectRpc, serveRpc } from '../src/shared/rpc/rpc';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type CredentialSource } from '../src/main/gateway';
import { percentile, type BenchSection } from './lib/report';

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

function direct(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/x', method: 'GET', headers: { authorization: `Bearer ${SECRET}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function overhead(): Promise<BenchSection> {
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
  const args = { credential: 'Bench', url: `${origin}/x` };
  const N = 1000;
  const d = await timeIt(N, () => direct(port));
  const g = await timeIt(N, () => gateway.callTool(token, 'http_request', args));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  const m = await timeIt(300, () => client.callTool({ name: 'http_request', arguments: args }));
  const mNoop = await timeIt(300, () => client.listTools());
  // The engine's part of the tool path, alone: the two RPC round trips main makes.
  const sample = JSON.stringify({ status: 200, body }, null, 2);
  const use = await timeIt(N, () => vault.source.useCredential(vault.itemId, 'bench'));
  const scrub = await timeIt(N, () => vault.source.scrub([sample]));
  await client.close();
  await gateway.close();
  vault.close();
  await new Promise<void>((r) => server.close(() => r()));
  const p50d = percentile(d, 50);
  const p99d = percentile(d, 99);
  return {
    title: 'Gateway — injected http_request vs direct request (same local server, approved)',
    rows: [
      { name: 'in-process tool path, p50', ours: percentile(g, 50), baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms', goal: '≤ +1 ms at p50' },
      { name: 'in-process tool path, p99', ours: percentile(g, 99), baselineName: 'direct http.request, p99', baseline: p99d, unit: 'ms' },
      { name: 'added by the gateway, p50', ours: percentile(g, 50) - p50d, baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms', goal: '≤ 1 ms' },
      { name: "engine: credentials.use round trip (RPC, Dexie on fake-indexeddb), p50", ours: percentile(use, 50), baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms' },
      { name: "engine: results.scrub round trip of this result (RPC, matcher cached), p50", ours: percentile(scrub, 50), baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms' },
      { name: 'added by main alone (tool path − direct − the two engine round trips), p50', ours: percentile(g, 50) - p50d - percentile(use, 50) - percentile(scrub, 50), baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms' },
      { name: 'MCP over HTTP (SDK client), p50', ours: percentile(m, 50), baselineName: 'MCP tools/list round trip, p50', baseline: percentile(mNoop, 50), unit: 'ms' },
      { name: 'MCP over HTTP (SDK client), p99', ours: percentile(m, 99), baselineName: 'MCP tools/list round trip, p99', baseline: percentile(mNoop, 99), unit: 'ms' },
    ],
    notes: [
      `${N} sequential requests each (MCP: 300), new connection per request on both sides (the gateway pins each hop to its checked address, so it never pools).`,
      'The tool path includes: rate limit, zod parse, policy, grant, credentials.use over RPC (engine: read + decrypt one item from Dexie on fake-indexeddb), injection, DNS/address check, request, UTF-8 check, results.scrub over RPC (engine: 2,001 concealed values — 1 API secret, 1,000 login passwords and security answers — matcher built during warm-up), audit.',
    ],
  };
}

function scrubbing(): BenchSection {
  const secrets = Array.from({ length: 1000 }, () => randomBytes(18 + Math.floor(Math.random() * 12)).toString('base64url'));
  const tBuild = performance.now();
  const scrubber = new Scrubber(secrets);
  const buildMs = performance.now() - tBuild;
  // 1 MiB of JSON-ish text with 20 secrets (raw and base64) sprinkled in.
  const parts: string[] = [];
  let size = 0;
  let k = 0;
  while (size < 1024 * 1024) {
    const p = k % 50 === 0 ? `"leak":"${secrets[k % 1000]}",` : k % 77 === 0 ? `"b64":"${Buffer.from(secrets[k % 1000]!).toString('base64')}",` : `{"id":${k},"name":"record number ${k}","tags":["alpha","beta"],"v":${(k * 7919) % 1000}},`;
    parts.push(p);
    size += p.length;
    k++;
  }
  const text = parts.join('').slice(0, 1024 * 1024);
  const MiB = text.length / (1024 * 1024);
  const runs = 15;
  const times: number[] = [];
  let redacted = '';
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    redacted = scrubber.scrub(text);
    if (i >= 2) times.push(performance.now() - t);
  }
  const stream: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = scrubber.stream();
    const t = performance.now();
    for (let off = 0; off < text.length; off += 16 * 1024) s.push(text.slice(off, off + 16 * 1024));
    s.end();
    stream.push(performance.now() - t);
  }
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    JSON.stringify(text);
    base.push(performance.now() - t);
  }
  const mbps = (ms: number): number => MiB / (ms / 1000);
  return {
    title: 'Gateway — scrubbing a 1 MiB response, 1,000 secrets in the vault',
    rows: [
      { name: 'scrub (whole body), median', ours: mbps(percentile(times, 50)), baselineName: 'JSON.stringify of the same text', baseline: mbps(percentile(base, 50)), unit: 'MiB/s' },
      { name: 'scrub (streaming, 16 KiB chunks), median', ours: mbps(percentile(stream, 50)), baselineName: 'JSON.stringify of the same text', baseline: mbps(percentile(base, 50)), unit: 'MiB/s' },
      { name: 'scrub 1 MiB, median', ours: percentile(times, 50), baselineName: 'JSON.stringify of the same text', baseline: percentile(base, 50), unit: 'ms' },
    ],
    notes: [
      `${scrubber.patternCount.toLocaleString('en-US')} patterns (forms of 1,000 secrets, 18–29 bytes); automaton built once per unlock in ${buildMs.toFixed(0)} ms; ${(redacted.split('REDACTED').length - 1)} redactions in the test body.`,
    ],
  };
}

/** Like the vault bench's items: a login with a password and a concealed custom field. */
function loginItem(i: number): ItemDraft {
  return {
    overview: { kind: 'login', title: `site ${i}`, username: `user${i}@example.com`, urls: [`https://s${i % 97}.example.com/login`], tags: [] },
    details: { kind: 'login', password: `pw-${i}-${randomBytes(9).toString('base64url')}`, notes: 'n'.repeat(200), customFields: [{ id: 'q', name: 'Security question', concealed: true, value: `answer-${randomBytes(6).toString('hex')}` }] },
  };
}

async function firstScrub(): Promise<BenchSection> {
  const N = 10_000;
  const engine = newEngine('bench-scrub10k');
  const { recoveryCode } = await engine.createVault('bench password');
  for (let off = 0; off < N; off += 5000) await engine.importItems(Array.from({ length: 5000 }, (_, k) => loginItem(off + k)));
  const text = JSON.stringify({ ok: true, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) });
  const unlock: number[] = [];
  const first: number[] = [];
  const cached: number[] = [];
  for (let run = 0; run < 3; run++) {
    engine.lock();
    let t = performance.now();
    await engine.unlockWithRecoveryCode(recoveryCode);
    unlock.push(performance.now() - t);
    t = performance.now();
    await engine.scrubResults([text]);
    first.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < 20; i++) await engine.scrubResults([text]);
    cached.push((performance.now() - t) / 20);
  }
  engine.lock();
  return {
    title: "Gateway — the engine's first 'results.scrub' after unlock, 10k-item vault",
    rows: [
      { name: 'first results.scrub: decrypt 10k items\' details + build the matcher (median of 3)', ours: percentile(first, 50), baselineName: 'unlock → overviews ready, same vault', baseline: percentile(unlock, 50), unit: 'ms' },
      { name: 'later results.scrub of a small result (matcher cached)', ours: percentile(cached, 50), baselineName: 'unlock → overviews ready, same vault', baseline: percentile(unlock, 50), unit: 'ms' },
    ],
    notes: [
      '10,000 logins, each a password and a concealed custom field (20,000 values, ~120,000 patterns); engine in-process on Dexie over fake-indexeddb (no RPC hop). Paid once per unlock and after each item change, by the first agent call that returns a result.',
    ],
  };
}

export default async function gatewayBench(): Promise<BenchSection[]> {
  return [await overhead(), scrubbing(), await firstScrub()];
}
