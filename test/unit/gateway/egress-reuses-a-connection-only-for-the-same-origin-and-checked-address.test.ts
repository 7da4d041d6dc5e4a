/**
 * Keep-alive to the destination without weakening the pin: a kept-alive socket is
 * reused only for the same origin at the same checked address. A name that now resolves
 * (is pinned) to another address gets a new connection to that address; another origin
 * never rides the socket; a socket the server closed under a reuse is retried once on a
 * new connection for an idempotent request only; lock and close drop every connection.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEgressPool, type EgressPool } from '../../../src/main/egress/pool';
import { sendPinned } from '../../../src/main/egress/request';
import { errorCode, itemId, startHarness } from './harness';

interface Counting {
  port: number;
  connections: number;
  /** What each request saw: its connection number and Host header. */
  seen: Array<{ conn: number; host: string | undefined; method: string }>;
  close(): Promise<void>;
}

async function listen(host: string, port: number, handler?: (req: http.IncomingMessage, res: http.ServerResponse, perConn: number) => void): Promise<Counting> {
  const c: Counting = { port: 0, connections: 0, seen: [], close: async () => undefined };
  const ids = new WeakMap<Socket, { id: number; n: number }>();
  const server = http.createServer((req, res) => {
    const s = ids.get(req.socket)!;
    s.n++;
    c.seen.push({ conn: s.id, host: req.headers.host, method: req.method ?? '' });
    if (handler) handler(req, res, s.n);
    else res.end(`from ${host}`);
  });
  server.on('connection', (sock) => ids.set(sock, { id: ++c.connections, n: 0 }));
  await new Promise<void>((r) => server.listen(port, host, r));
  c.port = (server.address() as AddressInfo).port;
  c.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return c;
}

const get = (pool: EgressPool, url: string, address: string, method = 'GET') =>
  sendPinned({ target: { url: new URL(url), address: { address, family: 4 } }, method, headers: {}, timeoutMs: 5000, maxBodyBytes: 1 << 16, pool });

let pool: EgressPool;
afterEach(() => pool?.close());

describe('a kept-alive connection', () => {
  let a: Counting;
  let b: Counting;
  beforeAll(async () => {
    a = await listen('127.0.0.1', 0);
    // The same port on another loopback address: only the pinned address tells them apart.
    b = await listen('127.0.0.2', a.port);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('is reused for the same origin at the same checked address', async () => {
    pool = createEgressPool();
    const before = a.connections;
    for (let i = 0; i < 3; i++) expect((await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.1')).body.toString()).toBe('from 127.0.0.1');
    expect(a.connections - before).toBe(1);
  });

  it('is not reused when the same name is pinned to another address: the request reaches that address on a new connection', async () => {
    pool = createEgressPool();
    await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.1');
    const bBefore = b.connections;
    const res = await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.2');
    expect(res.body.toString()).toBe('from 127.0.0.2');
    expect(b.connections - bBefore).toBe(1);
    // And back: the first address's socket is still only its own.
    expect((await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.1')).body.toString()).toBe('from 127.0.0.1');
  });

  it('is not reused by another origin at the same address', async () => {
    pool = createEgressPool();
    await get(pool, `http://one.invalid:${a.port}/x`, '127.0.0.1');
    const before = a.connections;
    await get(pool, `http://two.invalid:${a.port}/x`, '127.0.0.1');
    expect(a.connections - before).toBe(1);
    expect(a.seen.at(-1)!.host).toBe(`two.invalid:${a.port}`);
  });

  it('ends when the pool closes', async () => {
    pool = createEgressPool();
    await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.1');
    pool.close();
    const before = a.connections;
    await get(pool, `http://api.invalid:${a.port}/x`, '127.0.0.1');
    expect(a.connections - before).toBe(1);
  });
});

describe('a kept-alive socket the server drops as it is reused', () => {
  let s: Counting;
  beforeAll(async () => {
    // Answers the first request on a connection, then drops the connection at the next.
    s = await listen('127.0.0.1', 0, (_req, res, n) => (n === 1 ? res.end('fresh') : res.socket!.destroy()));
  });
  afterAll(async () => s?.close());

  it('GET is sent again, once, on a new connection to the same address', async () => {
    pool = createEgressPool();
    await get(pool, `http://api.invalid:${s.port}/x`, '127.0.0.1');
    const res = await get(pool, `http://api.invalid:${s.port}/x`, '127.0.0.1');
    expect(res.body.toString()).toBe('fresh');
  });

  it('POST is not sent again: it fails as a failed request', async () => {
    pool = createEgressPool();
    await get(pool, `http://api.invalid:${s.port}/x`, '127.0.0.1', 'POST');
    const posts = s.seen.filter((r) => r.method === 'POST').length;
    await expect(get(pool, `http://api.invalid:${s.port}/x`, '127.0.0.1', 'POST')).rejects.toMatchObject({ code: 'upstream_failed' });
    expect(s.seen.filter((r) => r.method === 'POST').length).toBe(posts + 1);
  });
});

describe('through the gateway', () => {
  it('calls share one connection; after a lock the next call opens a new one', async () => {
    const api = await listen('127.0.0.1', 0);
    const origin = `http://127.0.0.1:${api.port}`;
    const id = itemId();
    const h = await startHarness([{ id, name: 'API', description: '', injection: { type: 'bearer' }, allowedOrigins: [origin], secret: 'keepalive-secret-0123456789' }]);
    try {
      const agent = await h.pair();
      await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
      const use = async () => {
        const r = await h.gateway.callTool(agent.token, 'http_request', { credential: 'API', url: `${origin}/x` });
        expect(r.isError, errorCode(r.content[0]!.text) ?? '').toBeFalsy();
      };
      await use();
      await use();
      expect(api.connections).toBe(1);
      h.vault.lock();
      h.vault.unlock();
      await use();
      expect(api.connections).toBe(2);
    } finally {
      await h.close();
      await api.close();
    }
  });
});
