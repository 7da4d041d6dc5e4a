/**
 * RPC overhead: a typed call (envelope + zod on both sides + mux) against a raw
 * postMessage echo on the same transport, measured in the same run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { fromWebSocket, openWebSocketPort } from '../src/shared/rpc/adapters/websocket';
import { fromNodeMessagePort } from '../src/shared/rpc/adapters/worker-threads.node.js';
import { defineContract } from '../src/shared/rpc/contract';
import type { Port } from '../src/shared/rpc/port';
import { connectRpc, serveRpc } from '../src/shared/rpc/rpc';
import { percentile, type BenchRow, type BenchSection } from './lib/report.js';

const Bench = defineContract({
  name: 'bench',
  methods: { echo: { params: z.object({ data: z.instanceof(Uint8Array) }), result: z.object({ data: z.instanceof(Uint8Array) }) } },
  events: {},
});

const N_SMALL = 2000;
const N_LARGE = 100;

/** Per-round-trip latency samples (µs) of `once` run n times sequentially after n/10 warm-up calls. */
async function sample(once: () => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < n / 10; i++) await once();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

/** Raw echo: the far side posts back what it gets; one waiter at a time. */
function rawEcho(a: Port, b: Port): (m: unknown) => Promise<unknown> {
  b.onMessage((m) => b.postMessage(m));
  let waiter: ((m: unknown) => void) | undefined;
  a.onMessage((m) => waiter?.(m));
  return (m) => new Promise((resolve) => { waiter = resolve; a.postMessage(m); });
}

function rpcEcho(a: Port, b: Port): (data: Uint8Array<ArrayBuffer>) => Promise<unknown> {
  serveRpc(b, Bench, { echo: ({ data }) => ({ data }) });
  const client = connectRpc(a, Bench);
  return (data) => client.call('echo', { data });
}

async function wsPorts(): Promise<{ pairs: () => Promise<[Port, Port]>; close: () => Promise<void> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    pairs: async () => {
      const server = new Promise<Port>((r) => wss.once('connection', (s) => r(fromWebSocket(s))));
      const client = await openWebSocketPort(new WebSocket(`ws://127.0.0.1:${port}/`));
      return [client, await server];
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function channel(): [Port, Port] {
  const ch = new MessageChannel();
  return [fromNodeMessagePort(ch.port1), fromNodeMessagePort(ch.port2)];
}

export default async function rpcBench(): Promise<BenchSection[]> {
  const rows: BenchRow[] = [];
  const small = new Uint8Array(64);
  const big = new Uint8Array(1 << 20);

  for (const [label, data] of [['64 B', small], ['1 MiB', big]] as const) {
    const [ra, rb] = channel();
    const raw = rawEcho(ra, rb);
    const rawS = await sample(() => raw({ data }), data.length > 1024 ? N_LARGE : N_SMALL);
    const [ca, cb] = channel();
    const rpc = rpcEcho(ca, cb);
    const rpcS = await sample(() => rpc(data), data.length > 1024 ? N_LARGE : N_SMALL);
    rows.push({ name: `call round trip p50, ${label} Uint8Array, worker_threads MessageChannel`, ours: percentile(rpcS, 50), baselineName: 'raw postMessage echo', baseline: percentile(rawS, 50), unit: 'µs' });
    rows.push({ name: `call round trip p95, ${label}, MessageChannel`, ours: percentile(rpcS, 95), baselineName: 'raw postMessage echo', baseline: percentile(rawS, 95), unit: 'µs' });
    for (const p of [ra, rb, ca, cb]) p.close();
  }

  const ws = await wsPorts();
  for (const [label, data] of [['64 B', small], ['1 MiB', big]] as const) {
    const [ra, rb] = await ws.pairs();
    const raw = rawEcho(ra, rb);
    const rawS = await sample(() => raw({ data }), data.length > 1024 ? N_LARGE : N_SMALL);
    const [ca, cb] = await ws.pairs();
    const rpc = rpcEcho(ca, cb);
    const rpcS = await sample(() => rpc(data), data.length > 1024 ? N_LARGE : N_SMALL);
    rows.push({ name: `call round trip p50, ${label} Uint8Array, WebSocket (CBOR) on 127.0.0.1`, ours: percentile(rpcS, 50), baselineName: 'raw CBOR echo on the same socket type', baseline: percentile(rawS, 50), unit: 'µs' });
  }
  await ws.close();

  return [{
    title: 'RPC (rpc-shell)',
    rows,
    notes: [`${N_SMALL} (64 B) or ${N_LARGE} (1 MiB) sequential calls after a 10% warm-up; the baseline is the same transport with no envelope, schemas or mux. 1 MiB over MessageChannel is copied (structured clone) in both, not transferred.`],
  }];
}
