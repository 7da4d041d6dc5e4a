/**
 * One URL, both MCP eras: the v1 SDK client (2025-11-25), the v2 client in its legacy
 * posture (2025-11-25) and the v2 client pinned to 2026-07-28 all list the tools, make
 * an approved http_request (the credential injected, the structured output matching the
 * declared schema) and get a denied one refused — against the real gateway over real
 * HTTP. The Host/Origin/bearer checks hold for 2026-07-28 requests as for the old era,
 * and nothing is carried from one 2026-07-28 request to the next.
 */
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_KINDS, LEGACY, MODERN, connectAgent, modernRequest, type AgentClient } from './clients';
import { errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'era-test-secret-Zq9x0123456789abcdef';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();
const open: AgentClient[] = [];

beforeAll(async () => {
  api = await startServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${SECRET}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok }));
  });
  h = await startHarness([{ id, name: 'API', description: 'the era test API', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }]);
  agent = await h.pair('Era agent');
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
  await api?.close();
});
beforeEach(() => {
  h.answer = () => 'once';
});

async function client(kind: (typeof CLIENT_KINDS)[number]): Promise<AgentClient> {
  const c = await connectAgent(kind, h.url, agent.token);
  open.push(c);
  return c;
}

describe.each(CLIENT_KINDS)('%s', (kind) => {
  it('negotiates its era on the one URL', async () => {
    const c = await client(kind);
    expect(c.protocolVersion()).toBe(c.era === 'modern' ? MODERN : LEGACY);
  });

  it('tools/list: Latchkey tools with input and output schemas', async () => {
    const tools = await (await client(kind)).listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['list_credentials', 'http_request']));
    expect(byName.get('http_request')!.outputSchema).toMatchObject({ type: 'object', required: expect.arrayContaining(['status', 'body']) });
    expect(byName.get('list_credentials')!.outputSchema).toMatchObject({ type: 'object', required: ['credentials'] });
  });

  it('an approved http_request is sent with the credential; structured output matches the text', async () => {
    const c = await client(kind);
    const before = h.prompts.length;
    const r = await c.callTool('http_request', { credential: 'API', url: `${api.origin}/check` });
    expect(r.isError).toBe(false);
    expect(h.prompts.length).toBe(before + 1);
    expect(r.structuredContent).toMatchObject({ status: 200, body: JSON.stringify({ ok: true }) });
    expect(JSON.parse(r.text)).toEqual(r.structuredContent);
    expect(r.text).not.toContain(SECRET);
  });

  it('a denied http_request is refused and nothing is sent', async () => {
    h.answer = () => 'deny';
    const c = await client(kind);
    const sent = api.requests.length;
    const r = await c.callTool('http_request', { credential: 'API', url: `${api.origin}/check` });
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('approval_denied');
    expect(api.requests.length).toBe(sent);
  });

  it('list_credentials returns structured output with no value', async () => {
    const r = await (await client(kind)).callTool('list_credentials', {});
    expect(r.structuredContent).toEqual({
      credentials: [{ name: 'API', kind: 'api_credential', injection: 'bearer', description: 'the era test API', allowedOrigins: [api.origin] }],
    });
    expect(r.text).not.toContain(SECRET);
  });
});

/** A raw request with full control of Host and Origin (fetch would not let us set Host). */
function rawPost(headers: Record<string, string>, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const modernList = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/list',
  params: {
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
};
const modernHeaders = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' };

describe('2026-07-28 requests meet the same Host, Origin and token checks', () => {
  it('a well-formed request passes (the control)', async () => {
    const r = await rawPost({ ...modernHeaders, authorization: `Bearer ${agent.token}` }, modernList);
    expect(r.status).toBe(200);
    expect(r.text).toContain('http_request');
  });
  it('a rebinding Host (evil.example) -> 403, even with a good token', async () => {
    const r = await rawPost({ ...modernHeaders, host: 'evil.example', authorization: `Bearer ${agent.token}` }, modernList);
    expect(r.status).toBe(403);
    expect(r.text).not.toContain('http_request');
  });
  it('a foreign Origin -> 403, even with a good token', async () => {
    const r = await rawPost({ ...modernHeaders, origin: 'https://evil.example', authorization: `Bearer ${agent.token}` }, modernList);
    expect(r.status).toBe(403);
  });
  it('no token, or a wrong one -> 401 with a Bearer challenge', async () => {
    expect((await rawPost(modernHeaders, modernList)).status).toBe(401);
    expect((await rawPost({ ...modernHeaders, authorization: 'Bearer lkat_wrong' }, modernList)).status).toBe(401);
  });
  it('server/discover needs the token too', async () => {
    expect((await modernRequest(h.url, null, 'server/discover', {})).status).toBe(401);
    const ok = await modernRequest(h.url, agent.token, 'server/discover', {});
    expect(ok.status).toBe(200);
    expect(ok.message?.result).toMatchObject({ supportedVersions: [MODERN], resultType: 'complete' });
  });
});

describe('2026-07-28 is stateless', () => {
  it('a revoked agent is refused on the very next request, on the same kept-alive connection', async () => {
    const other = await h.pair('Short-lived');
    const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const u = new URL(h.url);
    const post = (token: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            agent: keep,
            host: '127.0.0.1',
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...modernHeaders, authorization: `Bearer ${token}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(modernList));
      });
    expect(await post(other.token)).toBe(200);
    await h.gateway.uiHandlers['agents.revoke']({ agentId: other.id }, {} as never);
    expect(await post(other.token)).toBe(401);
    // The other agent's token on the same socket is its own agent, untouched.
    expect(await post(agent.token)).toBe(200);
    keep.destroy();
  });

  it('each request is answered for the capabilities it declares itself, not an earlier one', async () => {
    // A task-capable request first, then one without the extension: tasks/get must ask for it.
    const first = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: 'nope' }, { extensions: { 'io.modelcontextprotocol/tasks': {} } });
    expect(first.message?.error?.code).toBe(-32602);
    const second = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: 'nope' });
    expect(second.message?.error?.code).toBe(-32021);
  });
});
