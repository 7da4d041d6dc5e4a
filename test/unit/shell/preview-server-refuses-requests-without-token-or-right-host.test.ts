import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { createMainServices } from '../../../src/main/services';
import { WebSocket } from 'ws';
import { AppContract } from '../../../src/shared/contracts/app';
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/csp';
import { openWebSocketPort } from '../../../src/shared/rpc/adapters/websocket';
import { connectRpc } from '../../../src/shared/rpc/rpc';
import { startPreviewServer, type PreviewServer } from '../../../src/preview/server';
import { tokensEqual } from '../../../src/preview/access';

/** A stand-in build output, so these tests do not depend on `electron-vite build`. */
function fakeRendererDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lk-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Latchkey</title><div id="root"></div>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', 'secret-outside.txt'), 'outside');
  return dir;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(server: PreviewServer, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function cookieFor(server: PreviewServer): string {
  return `latchkey_preview_${server.port}=${server.token}`;
}

/** Resolves with the HTTP status the server refused an upgrade with, or 101 if it accepted. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', () => resolve(-1));
  });
}

let server: PreviewServer;
beforeAll(async () => {
  server = await startPreviewServer({ port: 0, rendererDir: fakeRendererDir() });
});
afterAll(async () => {
  await server.close();
});

describe('preview server access control', () => {
  it('prints a URL on 127.0.0.1 carrying a 256-bit random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
  });

  it('refuses every path without the token (401), and with a wrong or truncated token', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/nosuch']) {
      expect((await get(server, path)).status).toBe(401);
    }
    expect((await get(server, '/?token=wrong')).status).toBe(401);
    expect((await get(server, `/?token=${server.token.slice(0, -1)}`)).status).toBe(401);
    expect((await get(server, '/', { Cookie: `latchkey_preview_${server.port}=${server.token}x` })).status).toBe(401);
    const body = (await get(server, '/')).body;
    expect(body).not.toContain(server.token);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie and strips it from the URL', async () => {
    const r = await get(server, `/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(String(r.headers['set-cookie'])).toMatch(new RegExp(`^latchkey_preview_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`));
    const page = await get(server, '/', { Cookie: cookieFor(server) });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
  });

  it('sends the Electron CSP (plus its own ws:// origins) and hardening headers', async () => {
    const page = await get(server, '/', { Cookie: cookieFor(server) });
    const csp = String(page.headers['content-security-policy']);
    for (const directive of CONTENT_SECURITY_POLICY.split('; ')) {
      if (!directive.startsWith('connect-src')) expect(csp).toContain(directive);
    }
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses a foreign Host header even with a valid token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`]) {
      const r = await get(server, `/?token=${server.token}`, { Host: host, Cookie: cookieFor(server) });
      expect(r.status).toBe(403);
    }
    expect((await get(server, '/', { Host: `localhost:${server.port}`, Cookie: cookieFor(server) })).status).toBe(200);
  });

  it('never serves files outside the renderer directory', async () => {
    for (const path of ['/../secret-outside.txt', '/%2e%2e/secret-outside.txt', '/assets/..%2f..%2fsecret-outside.txt', '/%00.js']) {
      const r = await get(server, path, { Cookie: cookieFor(server) });
      expect(r.body).not.toContain('outside');
    }
  });

  it('refuses the WebSocket upgrade without the token, with a foreign Origin, or a foreign Host', async () => {
    const ws = `ws://127.0.0.1:${server.port}/rpc`;
    expect(await upgradeStatus(ws, {})).toBe(401);
    expect(await upgradeStatus(ws, { Cookie: `latchkey_preview_${server.port}=nope` })).toBe(401);
    expect(await upgradeStatus(ws, { Cookie: cookieFor(server), Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(ws, { Cookie: cookieFor(server), Host: 'evil.example' })).toBe(403);
    expect(await upgradeStatus(ws, { Cookie: cookieFor(server), Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });

  it("carries a real RPC call to main's services over the WebSocket", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/rpc`, { headers: { Cookie: cookieFor(server), Origin: `http://localhost:${server.port}` } });
    const port = await openWebSocketPort(socket);
    const app = connectRpc(port, AppContract, { timeoutMs: 5_000 });
    await expect(app.call('app.info', {})).resolves.toEqual({ name: 'Latchkey', version: '0.0.0-preview', shell: 'preview', platform: process.platform });
    port.close();
  });

  it('routes purpose=engine sockets to onEnginePort and refuses unknown purposes', async () => {
    const onEnginePort = vi.fn();
    const services = createMainServices({ shell: 'preview', version: 't', keychain: createMemoryKeychain(), onEnginePort });
    const own = await startPreviewServer({ port: 0, rendererDir: fakeRendererDir(), services });
    try {
      const cookie = { Cookie: `latchkey_preview_${own.port}=${own.token}` };
      expect(await upgradeStatus(`ws://127.0.0.1:${own.port}/rpc?purpose=admin`, cookie)).toBe(400);
      expect(await upgradeStatus(`ws://127.0.0.1:${own.port}/elsewhere`, cookie)).toBe(404);
      expect(onEnginePort).not.toHaveBeenCalled();
      const socket = new WebSocket(`ws://127.0.0.1:${own.port}/rpc?purpose=engine`, { headers: cookie });
      await openWebSocketPort(socket);
      await vi.waitFor(() => expect(onEnginePort).toHaveBeenCalledTimes(1));
      socket.close();
    } finally {
      await own.close();
      await services.close();
    }
  });

  it('compares tokens in constant time over equal-length digests (any length input is safe)', () => {
    expect(tokensEqual(server.token, server.token)).toBe(true);
    expect(tokensEqual('', server.token)).toBe(false);
    expect(tokensEqual(server.token + 'x'.repeat(1000), server.token)).toBe(false);
  });
});
