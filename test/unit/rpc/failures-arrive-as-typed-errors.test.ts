import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LatchkeyError } from '../../../src/shared/errors';
import { defineContract } from '../../../src/shared/rpc/contract';
import { connectRpc, rpcPortStats, serveRpc } from '../../../src/shared/rpc/rpc';
import { nodeMessageChannelPair, type PortPair } from './fixtures/ports';
import { TestContract, testHandlers } from './fixtures/test-contract';

let pair: PortPair | undefined;
afterEach(async () => {
  await pair?.dispose();
  pair = undefined;
});

function setup(timeoutMs = 5_000) {
  pair = nodeMessageChannelPair();
  const p = pair;
  const handlers = testHandlers((i) => server.emit('tick', { i }));
  const server = serveRpc(p.a, TestContract, handlers);
  const client = connectRpc(p.b, TestContract, { timeoutMs });
  return { server, client, handlers, pair: p };
}

async function rejection(p: Promise<unknown>): Promise<LatchkeyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  return err as LatchkeyError;
}

describe('errors crossing the port', () => {
  it('turns a non-LatchkeyError into "internal" without forwarding its text', async () => {
    const { client } = setup();
    const err = await rejection(client.call('fail', { kind: 'plain' }));
    expect(err.code).toBe('internal');
    expect(JSON.stringify(err)).not.toContain('hunter2');
    expect(err.message).not.toContain('hunter2');
  });

  it('refuses params that fail the schema with invalid_input naming the field, not its value', async () => {
    const { client } = setup();
    const err = await rejection(client.call('echo', { text: 12345678 as unknown as string }));
    expect(err.code).toBe('invalid_input');
    expect(err.details).toMatchObject({ method: 'echo', path: 'text' });
    expect(JSON.stringify(err.toJSON())).not.toContain('12345678');
  });

  it('fails a call whose params cannot be cloned with invalid_input, and the connection keeps working', async () => {
    const { client } = setup();
    const err = await rejection(client.call('echo', { text: (() => 'x') as unknown as string }));
    expect(err.code).toBe('invalid_input');
    await expect(client.call('echo', { text: 'ok' })).resolves.toEqual({ text: 'ok' });
  });

  it('answers rpc_malformed when a result breaks the contract', async () => {
    const { client } = setup();
    expect((await rejection(client.call('lie', {}))).code).toBe('rpc_malformed');
  });

  it('answers rpc_unknown_method for methods the server does not offer, prototype names included', async () => {
    pair = nodeMessageChannelPair();
    serveRpc(
      pair.a,
      TestContract,
      testHandlers(() => {}),
    );
    const methods: Record<string, { params: z.ZodType; result: z.ZodType }> = {};
    for (const m of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      Object.defineProperty(methods, m, { value: { params: z.unknown(), result: z.unknown() }, enumerable: true });
    }
    const wide = connectRpc(pair.b, defineContract({ name: 'test', methods, events: {} }), { timeoutMs: 5_000 });
    for (const m of Object.keys(methods)) {
      const err = await rejection(wide.call(m, {}));
      expect(err.code).toBe('rpc_unknown_method');
    }
    // A namespace nobody serves is refused the same way.
    const other = connectRpc(pair.b, defineContract({ name: 'elsewhere', methods: { x: { params: z.unknown(), result: z.unknown() } }, events: {} }), { timeoutMs: 5_000 });
    expect((await rejection(other.call('x', {}))).code).toBe('rpc_unknown_method');
  });

  it('refuses a second client or server for the same namespace on one port', () => {
    const { pair: p } = setup();
    expect(() => connectRpc(p.b, TestContract)).toThrow(LatchkeyError);
    expect(() =>
      serveRpc(
        p.a,
        TestContract,
        testHandlers(() => {}),
      ),
    ).toThrow(/already served/);
  });
});

describe('timeouts and cancellation', () => {
  it('fails a call with "timeout" and aborts the handler on the server', async () => {
    const { client } = setup();
    const err = await rejection(client.call('hang', {}, { timeoutMs: 20 }));
    expect(err.code).toBe('timeout');
    expect(err.details).toMatchObject({ method: 'hang', timeoutMs: 20 });
    // The cancel envelope was sent before this request on the same ordered channel.
    await expect(client.call('aborted', {})).resolves.toBe(1);
  });

  it('fails a call with "cancelled" when its AbortSignal fires, and tells the server', async () => {
    const { client } = setup();
    const ac = new AbortController();
    const p = client.call('hang', {}, { signal: ac.signal, timeoutMs: 0 });
    ac.abort();
    expect((await rejection(p)).code).toBe('cancelled');
    await expect(client.call('aborted', {})).resolves.toBe(1);
  });

  it('does not send a call whose signal is already aborted', async () => {
    const { client } = setup();
    const ac = new AbortController();
    ac.abort();
    expect((await rejection(client.call('hang', {}, { signal: ac.signal }))).code).toBe('cancelled');
    await expect(client.call('aborted', {})).resolves.toBe(0);
  });
});

describe('closing', () => {
  it('fails pending calls with rpc_closed when the client closes, and refuses new ones', async () => {
    const { client } = setup();
    const p = client.call('hang', {}, { timeoutMs: 0 });
    client.close();
    expect((await rejection(p)).code).toBe('rpc_closed');
    expect((await rejection(client.call('echo', { text: 'x' }))).code).toBe('rpc_closed');
  });

  it('fails pending calls with rpc_closed when the port closes underneath', async () => {
    const { client, pair: p } = setup();
    const pending = client.call('hang', {}, { timeoutMs: 0 });
    p.a.close();
    expect((await rejection(pending)).code).toBe('rpc_closed');
  });
});

describe('transferable buffers', () => {
  it('moves a transferred params buffer (detached here) and it arrives intact', async () => {
    const { client } = setup();
    const data = new Uint8Array(4096).map((_, i) => i & 0xff);
    const expected = data.slice();
    const r = await client.call('bytes', { data }, { transfer: [data.buffer] });
    expect(data.buffer.byteLength).toBe(0);
    expect(Buffer.from(r.data).equals(Buffer.from(expected))).toBe(true);
  });

  it('moves a buffer the handler transfers with its result', async () => {
    const { client } = setup();
    const buf = await client.call('makeBuffer', { size: 1000 });
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(buf).every((b) => b === 7)).toBe(true);
  });
});

describe('events', () => {
  it('parses payloads: a payload that breaks the schema is dropped and counted, others delivered', async () => {
    const { client, pair: p } = setup();
    const seen: number[] = [];
    const off = client.on('tick', ({ i }) => seen.push(i));
    p.a.postMessage({ lk: 1, ns: 'test', t: 'evt', ev: 'tick', p: { i: 'x' } });
    p.a.postMessage({ lk: 1, ns: 'test', t: 'evt', ev: 'nosuch', p: {} });
    await client.call('ticks', { n: 2 });
    expect(seen).toEqual([0, 1]);
    expect(rpcPortStats(p.b).malformed).toBe(2);
    off();
    await client.call('ticks', { n: 2 });
    expect(seen).toEqual([0, 1]);
  });

  it('refuses to emit an event the contract does not declare', () => {
    const { server } = setup();
    expect(() => server.emit('nosuch' as 'tick', { i: 1 })).toThrow(LatchkeyError);
  });
});

describe('several contracts on one port', () => {
  it('carries both directions (A serves X and calls Y; B serves Y and calls X) at once', async () => {
    pair = nodeMessageChannelPair();
    const X = defineContract({ name: 'x', methods: { add: { params: z.object({ a: z.number(), b: z.number() }), result: z.number() } }, events: {} });
    const Y = defineContract({ name: 'y', methods: { upper: { params: z.string(), result: z.string() } }, events: {} });
    serveRpc(pair.a, X, { add: ({ a, b }) => a + b });
    const yFromA = connectRpc(pair.a, Y);
    serveRpc(pair.b, Y, { upper: (s) => s.toUpperCase() });
    const xFromB = connectRpc(pair.b, X);
    const [sum, up] = await Promise.all([xFromB.call('add', { a: 2, b: 3 }), yFromA.call('upper', 'abc')]);
    expect(sum).toBe(5);
    expect(up).toBe('ABC');
  });
});
