/**
 * The 2025-era stateless leg answers a request that asked for no progress with plain
 * JSON (nothing could be sent before its result), and one carrying a progressToken with
 * SSE — so progress can still reach it. Both answers hold the same JSON-RPC result, and
 * the token check still comes first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw, startHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness([]);
  token = (await h.pair()).token;
});
afterAll(async () => h?.close());

const post = (body: unknown, auth = true) => postRaw(h.url, body, auth ? { token } : {}).reply;

const listCall = (meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name: 'list_credentials', arguments: {}, ...(meta ? { _meta: meta } : {}) },
});

describe('2025-era response mode', () => {
  it('a call without a progressToken gets one JSON body with its length', async () => {
    const r = await post(listCall());
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(Number(r.length)).toBe(Buffer.byteLength(r.text));
    const msg = JSON.parse(r.text) as { id: number; result: { content: unknown[] } };
    expect(msg.id).toBe(7);
    expect(Array.isArray(msg.result.content)).toBe(true);
  });

  it('a call with a progressToken gets an SSE stream carrying the same result', async () => {
    const r = await post(listCall({ progressToken: 'p1' }));
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/event-stream/);
    const data = r.text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { id?: number; result?: unknown });
    const answer = data.find((m) => m.id === 7);
    expect(answer?.result).toEqual((JSON.parse((await post(listCall())).text) as { result: unknown }).result);
  });

  it('a batch in which one request asks for progress streams', async () => {
    const r = await post([listCall(), { ...listCall({ progressToken: 2 }), id: 8 }]);
    expect(r.type).toMatch(/^text\/event-stream/);
  });

  it('the token is still checked before any of this', async () => {
    expect((await post(listCall(), false)).status).toBe(401);
  });
});
