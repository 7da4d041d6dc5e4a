import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../src/shared/errors';
import { fromNodeWorker } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { browserMessageChannelPair, browserWorkerPair, electronPair, nodeMessageChannelPair, webSocketPair, type PortPair } from './fixtures/ports';
import { TestContract, testHandlers } from './fixtures/test-contract';

const adapters: Array<[string, () => Promise<PortPair> | PortPair]> = [
  ['node worker_threads MessageChannel', nodeMessageChannelPair],
  ['browser MessagePort adapter (Node MessageChannel)', browserMessageChannelPair],
  ['browser Worker adapter (MessagePort standing in for Worker and worker scope)', browserWorkerPair],
  ['Electron MessagePortMain adapter (fake port)', electronPair],
  ['WebSocket adapter (real ws server on 127.0.0.1)', () => webSocketPair()],
];

let pair: PortPair | undefined;
afterEach(async () => {
  await pair?.dispose();
  pair = undefined;
});

describe.each(adapters)('RPC over %s', (_name, make) => {
  async function setup() {
    pair = await make();
    const p = pair;
    const server = serveRpc(
      p.a,
      TestContract,
      testHandlers((i) => server.emit('tick', { i })),
    );
    const client = connectRpc(p.b, TestContract, { timeoutMs: 5_000 });
    return { server, client };
  }

  it('answers a request with the handler result', async () => {
    const { client } = await setup();
    await expect(client.call('echo', { text: 'hello' })).resolves.toEqual({ text: 'hello' });
  });

  it('keeps Uint8Array values byte for byte, including empty and sliced views', async () => {
    const { client } = await setup();
    const big = new Uint8Array(randomBytes(70_000));
    for (const data of [new Uint8Array(0), new Uint8Array([0, 255, 1]), big, big.subarray(10, 20)]) {
      const r = await client.call('bytes', { data: data.slice() });
      expect(r.data).toBeInstanceOf(Uint8Array);
      expect(r.length).toBe(data.length);
      expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('delivers a LatchkeyError with code, message and details', async () => {
    const { client } = await setup();
    const err = await client.call('fail', { kind: 'typed' }).catch((e: unknown) => e);
    expect(isLatchkeyError(err, 'wrong_password')).toBe(true);
    expect(err).toMatchObject({ code: 'wrong_password', message: 'The password is wrong.', details: { retriesLeft: 3, slotId: 'pw1' } });
  });

  it('delivers events in order', async () => {
    const { client } = await setup();
    const seen: number[] = [];
    client.on('tick', ({ i }) => seen.push(i));
    await client.call('ticks', { n: 5 });
    // events posted before the answer arrive before it (ordered channel)
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('RPC over a real worker_threads Worker', () => {
  it('round-trips calls, bytes, typed errors and events with a worker running the server', async () => {
    const worker = new Worker(new URL('./fixtures/ts-worker.mjs', import.meta.url), { workerData: { entry: new URL('./fixtures/echo-worker.ts', import.meta.url).href } });
    const port = fromNodeWorker(worker);
    const client = connectRpc(port, TestContract, { timeoutMs: 20_000 });
    try {
      await expect(client.call('echo', { text: 'from worker' })).resolves.toEqual({ text: 'from worker' });
      const data = new Uint8Array(randomBytes(1024));
      const r = await client.call('bytes', { data });
      expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
      await expect(client.call('fail', { kind: 'typed' })).rejects.toMatchObject({ code: 'wrong_password' });
      const seen: number[] = [];
      client.on('tick', ({ i }) => seen.push(i));
      await client.call('ticks', { n: 3 });
      expect(seen).toEqual([0, 1, 2]);
      // Terminating the worker fails pending calls with rpc_closed instead of hanging.
      const pending = client.call('hang', {}, { timeoutMs: 0 });
      await worker.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'rpc_closed' });
    } finally {
      client.close();
      await worker.terminate();
    }
  });
});
