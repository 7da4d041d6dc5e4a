import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LatchkeyError } from '../../../src/shared/errors';
import { encodeFrame } from '../../../src/shared/rpc/adapters/websocket';
import { connectRpc, rpcPortStats, serveRpc } from '../../../src/shared/rpc/rpc';
import { nodeMessageChannelPair, webSocketPair, type PortPair } from './fixtures/ports';
import { TestContract, testHandlers } from './fixtures/test-contract';

let pair: PortPair | undefined;
afterEach(async () => {
  await pair?.dispose();
  pair = undefined;
});

/** Posts without throwing: some random values are not structured-cloneable. */
function inject(post: (m: unknown) => void, message: unknown): void {
  try {
    post(message);
  } catch {
    /* DataCloneError: never reached the peer */
  }
}

/** Values shaped almost like envelopes, to get past the outer checks. */
const nearEnvelope = fc.record(
  {
    lk: fc.oneof(fc.constant(1), fc.anything()),
    ns: fc.oneof(fc.constant('test'), fc.string(), fc.anything()),
    t: fc.oneof(fc.constantFrom('req', 'ok', 'err', 'cancel', 'evt'), fc.string()),
    id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()),
    m: fc.oneof(fc.constantFrom('echo', 'bytes', 'fail', 'hang', '__proto__', 'constructor'), fc.string(), fc.anything()),
    ev: fc.oneof(fc.constant('tick'), fc.anything()),
    p: fc.anything(),
    r: fc.anything(),
    e: fc.oneof(fc.record({ code: fc.string(), message: fc.string() }), fc.anything()),
  },
  { requiredKeys: [] },
);

const garbage = fc.oneof(fc.anything({ withTypedArray: true, withNullPrototype: true, withMap: true, withSet: true }), nearEnvelope);

describe('malformed messages', () => {
  it('answers a request-like message that carries ns and id with rpc_malformed, drops the rest and counts them', async () => {
    pair = nodeMessageChannelPair();
    serveRpc(
      pair.a,
      TestContract,
      testHandlers(() => {}),
    );
    const answers: unknown[] = [];
    pair.b.onMessage((m) => answers.push(m));
    for (const m of [null, 42, 'str', [], { lk: 2 }, { lk: 1, ns: 'test', t: 'req', m: 'echo' }]) pair.b.postMessage(m);
    pair.b.postMessage({ lk: 1, ns: 'test', t: 'req', id: 9, m: 7 });
    pair.b.postMessage({ lk: 1, ns: 'test', t: 'req', id: 10, m: 'echo', p: { text: 'ok' } });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (answers.length >= 2) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    expect(answers).toEqual([
      { lk: 1, ns: 'test', t: 'err', id: 9, e: { code: 'rpc_malformed', message: expect.any(String) } },
      { lk: 1, ns: 'test', t: 'ok', id: 10, r: { text: 'ok' } },
    ]);
    expect(rpcPortStats(pair.a).malformed).toBe(7);
  });

  it('property: random garbage in both directions never crashes either side and every pending call settles', async () => {
    pair = nodeMessageChannelPair();
    const p = pair;
    const server = serveRpc(
      p.a,
      TestContract,
      testHandlers((i) => server.emit('tick', { i })),
    );
    const client = connectRpc(p.b, TestContract, { timeoutMs: 0 }); // no timeout: a hang would fail the test
    client.on('tick', () => {});
    await fc.assert(
      fc.asyncProperty(fc.array(garbage, { maxLength: 8 }), fc.array(garbage, { maxLength: 8 }), async (toServer, toClient) => {
        const inFlight = [client.call('echo', { text: 'a' }), client.call('ticks', { n: 2 })];
        for (const g of toServer) inject((m) => p.b.postMessage(m), g);
        for (const g of toClient) inject((m) => p.a.postMessage(m), g);
        // Each call either succeeds with the right value or fails with a typed error
        // (a garbage answer may name its id): nothing hangs, nothing untyped escapes.
        const settled = await Promise.allSettled(inFlight);
        for (const s of settled) {
          if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(LatchkeyError);
        }
        if (settled[0]?.status === 'fulfilled') expect(settled[0].value).toEqual({ text: 'a' });
        // And both sides still work afterwards.
        await expect(client.call('echo', { text: 'after' })).resolves.toEqual({ text: 'after' });
      }),
      { numRuns: 300 },
    );
  });

  it('property: random bytes, text frames and truncated CBOR on the WebSocket never crash the server', async () => {
    let dropped = 0;
    const ws = await webSocketPair({
      maxFrameBytes: 64 * 1024,
      onDroppedFrame: () => {
        dropped += 1;
      },
    });
    pair = ws;
    serveRpc(
      ws.a,
      TestContract,
      testHandlers(() => {}),
    );
    // The RPC client's own socket also sends raw frames, interleaved with its calls.
    const raw = ws.client;
    const client = connectRpc(ws.b, TestContract, { timeoutMs: 0 });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), fc.string(), garbage, async (bytes, text, value) => {
        raw.send(bytes);
        raw.send(text);
        let frame: Uint8Array | undefined;
        try {
          frame = encodeFrame(value);
        } catch {
          frame = undefined;
        }
        if (frame !== undefined) {
          ws.client.send(frame);
          ws.client.send(frame.subarray(0, Math.floor(frame.length / 2)));
        }
        const r = await client.call('echo', { text: 'still here' }).catch((e: unknown) => e);
        if (r instanceof LatchkeyError) expect(r.code).toBe('rpc_malformed');
        else expect(r).toEqual({ text: 'still here' });
      }),
      { numRuns: 150 },
    );
    expect(dropped).toBeGreaterThanOrEqual(150); // at least every text frame
    expect(ws.client.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a WebSocket that sends a frame over the size limit, and its pending calls fail with rpc_closed', async () => {
    const ws = await webSocketPair({ maxFrameBytes: 1024 });
    pair = ws;
    serveRpc(
      ws.a,
      TestContract,
      testHandlers(() => {}),
    );
    const client = connectRpc(ws.b, TestContract, { timeoutMs: 0 });
    const pending = client.call('hang', {});
    ws.client.send(new Uint8Array(4096));
    await expect(pending).rejects.toMatchObject({ code: 'rpc_closed' });
  });
});
