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
import type { Bench } from './lib/harness';

const EchoContract = defineContract({
  name: 'bench',
  methods: { echo: { params: z.object({ data: z.instanceof(Uint8Array) }), result: z.object({ data: z.instanceof(Uint8Array) }) } },
  events: {},
});

/** Raw echo: the far side posts back what it gets; one waiter at a time. */
function rawEcho(a: Port, b: Port): (m: unknown) => Promise<unknown> {
  b.onMessage((m) => b.postMessage(m));
  let waiter: ((m: unknown) => void) | undefined;
  a.onMessage((m) => waiter?.(m));
  return (m) =>
    new Promise((resolve) => {
      waiter = resolve;
      a.postMessage(m);
    });
}

function rpcEcho(a: Port, b: Port): (data: Uint8Array<ArrayBuffer>) => Promise<unknown> {
  serveRpc(b, EchoContract, { echo: ({ data }) => ({ data }) });
  const client = connectRpc(a, EchoContract);
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

export default async function rpcBench(bench: Bench): Promise<void> {
  const small = new Uint8Array(64);
  const big = new Uint8Array(1 << 20);
  const rounds = (data: Uint8Array) => (data.length > 1024 ? bench.rounds(100, 20) : bench.rounds(2000, 300));
  await bench.section('RPC (rpc-shell)', async () => {
    for (const [label, data] of [
      ['64 B', small],
      ['1 MiB', big],
    ] as const) {
      const [ra, rb] = channel();
      const raw = rawEcho(ra, rb);
      const [ca, cb] = channel();
      const rpc = rpcEcho(ca, cb);
      await bench.compare({
        name: `call round trip, ${label} Uint8Array, worker_threads MessageChannel`,
        unit: 'µs',
        rounds: rounds(data),
        warmup: 20,
        subject: { name: 'typed RPC call (envelope, zod both sides, mux)', run: () => rpc(data) },
        baseline: { name: 'raw postMessage echo on another channel', run: () => raw({ data }) },
      });
      for (const p of [ra, rb, ca, cb]) p.close();
    }
    const ws = await wsPorts();
    try {
      for (const [label, data] of [
        ['64 B', small],
        ['1 MiB', big],
      ] as const) {
        const [ra, rb] = await ws.pairs();
        const raw = rawEcho(ra, rb);
        const [ca, cb] = await ws.pairs();
        const rpc = rpcEcho(ca, cb);
        await bench.compare({
          name: `call round trip, ${label} Uint8Array, WebSocket (CBOR) on 127.0.0.1`,
          unit: 'µs',
          rounds: rounds(data),
          warmup: 20,
          subject: { name: 'typed RPC call', run: () => rpc(data) },
          baseline: { name: 'raw CBOR echo on another socket', run: () => raw({ data }) },
        });
      }
    } finally {
      await ws.close();
    }
    bench.note('1 MiB over MessageChannel is copied (structured clone) in both, not transferred.');
  });
}
