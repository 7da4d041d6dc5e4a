/**
 * The gateway's HTTP front, beyond Host/Origin/token (agent-never-sees-the-secret…):
 * unknown paths, other methods and bad bodies get a JSON-RPC error with the right status
 * and never an echo of what was sent; the body is read only after the token is checked.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness([]);
  token = (await h.pair()).token;
});
afterAll(async () => h?.close());

const MARK = 'echo-me-not-7f3a';

function send(opts: {
  method?: string;
  path?: string;
  auth?: boolean;
  type?: string;
  body?: string | Buffer;
}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: u.port,
        path: opts.path ?? u.pathname,
        method: opts.method ?? 'POST',
        headers: {
          'content-type': opts.type ?? 'application/json',
          accept: 'application/json, text/event-stream',
          ...(opts.auth === false ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
  });
}

describe('paths and methods', () => {
  it('a path other than /mcp -> 404, token or not', async () => {
    expect((await send({ path: '/other', auth: false })).status).toBe(404);
    expect((await send({ path: '/' })).status).toBe(404);
  });
  it('below /mcp: the token first (401), then 404', async () => {
    expect((await send({ path: '/mcp/x', auth: false })).status).toBe(401);
    expect((await send({ path: '/mcp/x' })).status).toBe(404);
  });
  it('/mcp with a query string or a trailing slash is /mcp', async () => {
    expect((await send({ path: '/mcp?x=1' })).status).toBe(200);
    expect((await send({ path: '/mcp/' })).status).toBe(200);
  });
  it('GET or DELETE /mcp -> 405 with Allow: POST (stateless: no stream, no session)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await send({ method, body: '' });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('POST');
      expect(JSON.parse(r.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
  });
});

describe('bodies', () => {
  it('malformed JSON -> 400, the body not echoed', async () => {
    const r = await send({ body: `{"jsonrpc": "2.0", "${MARK}` });
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(MARK);
  });
  it('a body over 2 MB -> 413, before it is parsed', async () => {
    const r = await send({ body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: MARK + 'x'.repeat(2_200_000) } }) });
    expect(r.status).toBe(413);
    expect(r.text).not.toContain(MARK);
  });
  it('a body that is not JSON -> 415', async () => {
    expect((await send({ type: 'text/plain', body: MARK })).status).toBe(415);
  });
  it('no token -> 401 without reading the body (a malformed one is not even reported)', async () => {
    expect((await send({ auth: false, body: '{not json' })).status).toBe(401);
  });
});
