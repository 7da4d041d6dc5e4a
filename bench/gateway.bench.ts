/**
 * Gateway benchmarks:
 * - overhead of an injected http_request (approved: grant 'always') over a direct
 *   request to the same local server — in-process tool path and full MCP over HTTP;
 * - scrubbing throughput on 1 MiB responses with 1,000 secrets in the vault.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { personalPolicy } from '../src/core/policy';
import type { CredentialOverview, CredentialUse } from '../src/shared/contracts/engine';
import { createGateway, createMemoryGatewayStore, type CredentialSource } from '../src/main/gateway';
import { Scrubber } from '../src/main/gateway/scrub/scrubber';
import { percentile, type BenchSection } from './lib/report';

const ITEM = randomBytes(16).toString('base64url');
const SECRET = 'bench-secret-' + randomBytes(16).toString('hex');

function vault(origin: string, extra: string[]): CredentialSource {
  const overview: CredentialOverview = { id: ITEM, name: 'Bench', description: 'bench', injection: { type: 'bearer' }, allowedOrigins: [origin], updatedAt: 1 };
  return {
    state: async () => 'unlocked',
    listCredentials: async () => [overview],
    useCredential: async (): Promise<CredentialUse> => ({ id: ITEM, version: 1, injection: overview.injection, allowedOrigins: overview.allowedOrigins, secret: SECRET, fields: {} }),
    scrubSecrets: async () => [SECRET, ...extra],
    onLocked: () => () => undefined,
    onUnlocked: () => () => undefined,
    onCredentialsChanged: () => () => undefined,
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
  const gateway = await createGateway({
    credentials: vault(origin, Array.from({ length: 1000 }, () => randomBytes(24).toString('base64url'))),
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, rateLimit: { perMinute: 1e9, burst: 1e9 } },
  });
  const { url } = await gateway.start();
  const { agent, token } = await gateway.uiHandlers['agents.pair']({ name: 'bench', client: 'other' }, {} as never);
  await gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: ITEM, mode: 'always' }, {} as never);
  const args = { credential: 'Bench', url: `${origin}/x` };
  const N = 1000;
  const d = await timeIt(N, () => direct(port));
  const g = await timeIt(N, () => gateway.callTool(token, 'http_request', args));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  const m = await timeIt(300, () => client.callTool({ name: 'http_request', arguments: args }));
  const mNoop = await timeIt(300, () => client.listTools());
  await client.close();
  await gateway.close();
  await new Promise<void>((r) => server.close(() => r()));
  const p50d = percentile(d, 50);
  const p99d = percentile(d, 99);
  return {
    title: 'Gateway — injected http_request vs direct request (same local server, approved)',
    rows: [
      { name: 'in-process tool path, p50', ours: percentile(g, 50), baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms', goal: '≤ +1 ms at p50' },
      { name: 'in-process tool path, p99', ours: percentile(g, 99), baselineName: 'direct http.request, p99', baseline: p99d, unit: 'ms' },
      { name: 'added by the gateway, p50', ours: percentile(g, 50) - p50d, baselineName: 'direct http.request, p50', baseline: p50d, unit: 'ms', goal: '≤ 1 ms' },
      { name: 'MCP over HTTP (SDK client), p50', ours: percentile(m, 50), baselineName: 'MCP tools/list round trip, p50', baseline: percentile(mNoop, 50), unit: 'ms' },
      { name: 'MCP over HTTP (SDK client), p99', ours: percentile(m, 99), baselineName: 'MCP tools/list round trip, p99', baseline: percentile(mNoop, 99), unit: 'ms' },
    ],
    notes: [
      `${N} sequential requests each (MCP: 300), new connection per request on both sides (the gateway pins each hop to its checked address, so it never pools).`,
      'The tool path includes: rate limit, zod parse, policy, grant, secret fetch, injection, DNS/address check, request, UTF-8 check, scrubbing against 1,001 secrets, audit.',
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

export default async function gatewayBench(): Promise<BenchSection[]> {
  return [await overhead(), scrubbing()];
}
