/**
 * A paired agent, speaking MCP with the SDK's own Client over real HTTP, uses a
 * credential against a local test API that checks the injected header — and every
 * attempt to get the secret back (echoes in every encoding, split over chunks,
 * redirects, other origins, loopback names) fails.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemResolver } from '../../../src/main/egress/request';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'sk-live_Zq9/+x="quoted" & spaced~' + 'A1b2C3d4E5f6G7h8';
const OTHER_SECRET = 'ghp_OtherVaultSecret_0123456789abcdef';
const LOGIN_PASSWORD = 'hunter2-but-much-longer-Pa55';

function forms(s: string): string[] {
  const b = Buffer.from(s, 'utf8');
  return [
    s,
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
  ];
}

function assertNoSecret(text: string): void {
  for (const secret of [SECRET, OTHER_SECRET, LOGIN_PASSWORD]) {
    for (const f of forms(secret)) expect(text.includes(f), `leaked a form of a secret: ${f.slice(0, 6)}…`).toBe(false);
  }
}

let api: TestServer;
let elsewhere: TestServer;
let h: Harness;
let token: string;
const ids = { main: itemId(), other: itemId(), viaName: itemId(), viaLocalhost: itemId(), remote: itemId() };

beforeAll(async () => {
  elsewhere = await startServer((_req, res) => res.end('stolen?'));
  api = await startServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const got = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (body: string, type = 'text/plain'): void => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    switch (u.pathname) {
      case '/check':
        if (got !== SECRET) {
          res.writeHead(401).end('bad credential');
          return;
        }
        return send(JSON.stringify({ ok: true, user: 'alice' }), 'application/json');
      case '/echo/raw':
        return send(`you sent: ${got}`);
      case '/echo/base64':
        return send(Buffer.from(got).toString('base64'));
      case '/echo/base64-in-longer':
        return send(Buffer.from(`{"key":"${got}"}`).toString('base64'));
      case '/echo/base64-offset2':
        return send(Buffer.from(`ab${got}`).toString('base64url'));
      case '/echo/hex':
        return send(Buffer.from(got).toString('hex'));
      case '/echo/HEX':
        return send(Buffer.from(got).toString('hex').toUpperCase());
      case '/echo/url':
        return send(`next=${encodeURIComponent(got)}`);
      case '/echo/json':
        return send(JSON.stringify({ token: got, nested: { again: got } }), 'application/json');
      case '/echo/header':
        res.writeHead(200, { 'x-echo': got });
        res.end('see headers');
        return;
      case '/echo/other-secrets':
        return send(`${OTHER_SECRET} and ${LOGIN_PASSWORD}`);
      case '/echo/chunks': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const parts = [got.slice(0, 5), got.slice(5, 17), got.slice(17)];
        let i = 0;
        const next = (): void => {
          if (i < parts.length) {
            res.write(parts[i++]!);
            setTimeout(next, 5);
          } else res.end();
        };
        next();
        return;
      }
      case '/redirect-other':
        res.writeHead(302, { location: `${elsewhere.origin}/steal` }).end();
        return;
      case '/redirect-same':
        res.writeHead(302, { location: '/check' }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  h = await startHarness(
    [
      { id: ids.main, name: 'Test API', description: 'the local test API', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET },
      {
        id: ids.other,
        name: 'GitHub',
        description: 'another secret in the vault',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://api.github.com'],
        secret: OTHER_SECRET,
      },
      {
        id: ids.viaName,
        name: 'Named host',
        description: 'a public-looking name that resolves to loopback',
        injection: { type: 'bearer' },
        allowedOrigins: [`http://api.rebind.example:${api.port}`],
        secret: SECRET,
      },
      {
        id: ids.viaLocalhost,
        name: 'Localhost',
        description: 'localhost by name',
        injection: { type: 'bearer' },
        allowedOrigins: [`http://localhost:${api.port}`],
        secret: SECRET,
      },
      { id: ids.remote, name: 'Remote only', description: 'public API only', injection: { type: 'bearer' }, allowedOrigins: ['https://api.example.com'], secret: SECRET },
    ],
    {
      resolver: async (host) => (host === 'api.rebind.example' ? [{ address: '127.0.0.1', family: 4 }] : systemResolver(host)),
    },
  );
  h.vault.otherSecrets.push(LOGIN_PASSWORD);
  token = (await h.pair()).token;
});

afterAll(async () => {
  await h?.close();
  await api?.close();
  await elsewhere?.close();
});

describe('a paired agent uses a credential it never sees', () => {
  it('lists credentials by name, description and origins — with no value', async () => {
    const client = await h.connect(token);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['http_request', 'list_credentials']);
    const r = await call(client, 'list_credentials', {});
    expect(r.isError).toBe(false);
    const list = JSON.parse(r.text) as { credentials: Array<{ name: string; allowedOrigins: string[] }> };
    expect(list.credentials.map((c) => c.name)).toContain('Test API');
    expect(list.credentials.find((c) => c.name === 'Test API')!.allowedOrigins).toEqual([api.origin]);
    assertNoSecret(r.text);
  });

  it('injects the bearer token: the test API accepts it, and the result holds no secret', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'Test API', method: 'GET', url: `${api.origin}/check` });
    expect(r.isError).toBe(false);
    const res = JSON.parse(r.text) as { status: number; body: string };
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, user: 'alice' });
    assertNoSecret(r.text);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  // The injected credential sent back is the echo guard's case: the whole response is withheld.
  it.each(['raw', 'base64', 'base64-in-longer', 'base64-offset2', 'hex', 'HEX', 'url', 'json', 'header', 'chunks'])(
    'an API that echoes the secret (%s) gets its response withheld',
    async (kind) => {
      const client = await h.connect(token);
      const r = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/echo/${kind}` });
      expect(r.isError).toBe(false);
      const res = JSON.parse(r.text) as { status: number; body: string; bodyWithheld?: boolean; echoDetected?: boolean };
      expect(res).toMatchObject({ status: 200, body: '', bodyWithheld: true, echoDetected: true });
      assertNoSecret(r.text);
    },
  );

  it('an API that echoes OTHER vault secrets gets them redacted', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/echo/other-secrets` });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('REDACTED');
    assertNoSecret(r.text);
  });

  it('follows a same-origin redirect with the credential', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/redirect-same` });
    expect(JSON.parse(r.text).status).toBe(200);
  });

  it('never carries the credential on a redirect to another origin', async () => {
    const client = await h.connect(token);
    const before = elsewhere.requests.length;
    const r = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/redirect-other` });
    const res = JSON.parse(r.text) as { status: number; note?: string };
    expect(res.status).toBe(302);
    expect(res.note).toMatch(/not followed/);
    expect(elsewhere.requests.length).toBe(before);
  });

  it('refuses a URL at an origin the item does not allow (nothing is sent)', async () => {
    const client = await h.connect(token);
    const before = elsewhere.requests.length;
    const r = await call(client, 'http_request', { credential: 'Test API', url: `${elsewhere.origin}/steal` });
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('destination_refused');
    expect(elsewhere.requests.length).toBe(before);
  });

  it('refuses http://127.0.0.1 for an item that only allows a public origin', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'Remote only', url: `${api.origin}/check` });
    expect(errorCode(r.text)).toBe('destination_refused');
  });

  it.each([
    ['a public-looking name resolving to 127.0.0.1', 'Named host', 'api.rebind.example'],
    ['localhost (resolved by the system)', 'Localhost', 'localhost'],
  ])('refuses %s after DNS resolution', async (_label, credential, host) => {
    const client = await h.connect(token);
    const before = api.requests.length;
    const r = await call(client, 'http_request', { credential, url: `http://${host}:${api.port}/check` });
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('destination_refused');
    expect(r.text).toMatch(/loopback/);
    expect(api.requests.length).toBe(before);
  });

  it('refuses agent headers that would shadow the credential, and bad arguments before anything runs', async () => {
    const client = await h.connect(token);
    const uses = h.vault.useCount;
    const r1 = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/check`, headers: { Authorization: 'Bearer mine' } });
    expect(errorCode(r1.text)).toBe('invalid_input');
    const r2 = await call(client, 'http_request', { credential: 'Test API', url: `${api.origin}/check`, method: 'TRACE' });
    expect(errorCode(r2.text)).toBe('invalid_input');
    const r3 = await call(client, 'http_request', { credential: 'Test API', url: 'file:///etc/passwd' });
    expect(errorCode(r3.text)).toBe('invalid_input');
    expect(h.vault.useCount).toBe(uses);
  });

  it('audits every use, allowed or refused, with no secret in any record', async () => {
    expect(h.audit.events.some((e) => e.action === 'credential.use' && e.outcome === 'success' && e.target?.itemId === ids.main && e.target.origin === api.origin)).toBe(true);
    expect(h.audit.events.some((e) => e.action === 'credential.use' && e.outcome === 'denied' && e.reason === 'destination_refused' && e.target?.tool === 'http_request')).toBe(
      true,
    );
    assertNoSecret(JSON.stringify(h.audit.events));
    const activity = await h.gateway.uiHandlers['activity.list']({}, {} as never);
    assertNoSecret(JSON.stringify(activity));
  });
});

describe('only a paired agent on a loopback Host, without a browser Origin, gets in', () => {
  const post = (headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const u = new URL(h.url);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      const req = http.request(
        {
          host: '127.0.0.1',
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('missing token -> 401', async () => {
    expect(await post({})).toBe(401);
  });
  it('wrong token -> 401', async () => {
    expect(await post({ authorization: 'Bearer lkat_' + 'A'.repeat(43) })).toBe(401);
    expect(await post({ authorization: `Bearer ${token}x` })).toBe(401);
  });
  it('valid token -> 200', async () => {
    expect(await post({ authorization: `Bearer ${token}` })).toBe(200);
  });
  it('Host: evil.example -> 403 even with a valid token (DNS rebinding)', async () => {
    expect(await post({ authorization: `Bearer ${token}`, host: 'evil.example' })).toBe(403);
  });
  it('a browser Origin header -> 403 even with a valid token', async () => {
    expect(await post({ authorization: `Bearer ${token}`, origin: 'https://evil.example' })).toBe(403);
    expect(await post({ authorization: `Bearer ${token}`, origin: 'null' })).toBe(403);
  });
  it('sends no CORS headers: a browser preflight is refused and allows nothing', async () => {
    const u = new URL(h.url);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: u.port,
          path: u.pathname,
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    res.resume();
    expect(res.statusCode).toBe(403);
    expect(Object.keys(res.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
  });

  it('revoked and rotated tokens stop working at once', async () => {
    const a = await h.pair('Revocable');
    expect(await post({ authorization: `Bearer ${a.token}` })).toBe(200);
    const rotated = await h.gateway.uiHandlers['agents.rotate']({ agentId: a.id }, {} as never);
    expect(await post({ authorization: `Bearer ${a.token}` })).toBe(401);
    expect(await post({ authorization: `Bearer ${rotated.token}` })).toBe(200);
    expect(rotated.snippets.cursor).toContain(rotated.token);
    await h.gateway.uiHandlers['agents.revoke']({ agentId: a.id }, {} as never);
    expect(await post({ authorization: `Bearer ${rotated.token}` })).toBe(401);
    await expect(h.connect(rotated.token)).rejects.toThrow();
  });
});
