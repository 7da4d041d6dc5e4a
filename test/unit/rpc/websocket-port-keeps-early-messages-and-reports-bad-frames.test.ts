import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/shared/rpc/adapters/websocket';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { webSocketPair, type PortPair } from './fixtures/ports';
import { TestContract, testHandlers } from './fixtures/test-contract';

let pair: PortPair | undefined;
afterEach(async () => {
  await pair?.dispose();
  pair = undefined;
});

describe('WebSocket port', () => {
  it('keeps messages that arrive before the server registers, and answers them', async () => {
    const ws = await webSocketPair();
    pair = ws;
    const client = connectRpc(ws.b, TestContract, { timeoutMs: 5_000 });
    const early = client.call('echo', { text: 'early' });
    // Let the frame reach the server before anything listens on its port.
    await new Promise((r) => setTimeout(r, 50));
    serveRpc(
      ws.a,
      TestContract,
      testHandlers(() => {}),
    );
    await expect(early).resolves.toEqual({ text: 'early' });
  });

  it('property: any Uint8Array survives a call over the WebSocket byte for byte, as a Uint8Array', async () => {
    const ws = await webSocketPair();
    pair = ws;
    serveRpc(
      ws.a,
      TestContract,
      testHandlers(() => {}),
    );
    const client = connectRpc(ws.b, TestContract, { timeoutMs: 5_000 });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (data) => {
        const r = await client.call('bytes', { data });
        expect(r.data).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes bytes as CBOR byte strings and refuses duplicate map keys', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const decoded = decodeFrame(encodeFrame({ data: bytes, n: 1, s: 'x', nested: [null, true] })) as { data: Uint8Array };
    expect(decoded).toEqual({ data: bytes, n: 1, s: 'x', nested: [null, true] });
    expect(decoded.data).toBeInstanceOf(Uint8Array);
    // {"a": 1, "a": 2} hand-encoded: map(2) "a" 1 "a" 2
    expect(() => decodeFrame(new Uint8Array([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02]))).toThrow();
    // A "__proto__" key stays data; it never becomes the object's prototype.
    const proto = decodeFrame(new Uint8Array([0xa1, 0x69, ...Buffer.from('__proto__'), 0xa1, 0x61, 0x78, 0x01])) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
