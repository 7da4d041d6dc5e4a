/**
 * The 2025-era JSON leg (json-exchange.ts) serves one plain request without the SDK's web
 * transport, so it must answer as that transport would and hand it everything it would
 * refuse: each refusal below keeps the SDK's status, batches and notifications still go
 * to the SDK, a client that leaves a waiting call withdraws the prompt, and the leg's
 * transport delivers only the answer to its own request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import { JsonExchangeTransport, plainJsonRequest } from '../../../src/main/gateway/json-exchange';
import { PROTOCOL_VERSIONS } from '../../../src/main/gateway/mcp-server';
import { itemId, postRaw, RAW_2025_HEADERS, startHarness, startServer, type Harness, type TestServer } from './harness';

let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('{"ok":true}'));
  h = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: 'json-leg-secret-0123456789abcdef' }], {
    approvalTimeoutMs: 60_000,
  });
  agent = await h.pair('JSON leg agent');
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(() => {
  h.prompts.length = 0;
  h.answer = () => 'once';
});

const request = (method: string, params: Record<string, unknown> = {}, rpcId: number = 1) => ({ jsonrpc: '2.0', id: rpcId, method, params });
const post = (body: unknown, headers: Record<string, string> = {}) => postRaw(h.url, body, { token: agent.token, headers });

describe('what the JSON leg answers', () => {
  it('initialize, tools/list and an unknown method: one JSON body with its length, the id echoed', async () => {
    const init = await post(request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }, 3)).reply;
    expect(init).toMatchObject({ status: 200, type: 'application/json' });
    expect(Number(init.length)).toBe(Buffer.byteLength(init.text));
    expect(JSON.parse(init.text)).toMatchObject({ jsonrpc: '2.0', id: 3, result: { protocolVersion: '2025-11-25', serverInfo: { name: 'latchkey' } } });

    const list = JSON.parse((await post(request('tools/list', {}, 4)).reply).text) as { id: number; result: { tools: Array<{ name: string }> } };
    expect(list.id).toBe(4);
    expect(list.result.tools.map((t) => t.name)).toContain('http_request');

    const unknown = await post(request('no/such-method', {}, 5)).reply;
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.text)).toMatchObject({ id: 5, error: { code: -32601 } });
  });

  it('an injected call is answered in JSON, the secret scrubbed', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
    const r = await post(request('tools/call', { name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/x` } }, 6)).reply;
    expect(r).toMatchObject({ status: 200, type: 'application/json' });
    const msg = JSON.parse(r.text) as { id: number; result: { content: Array<{ text: string }>; isError?: boolean } };
    expect(msg.id).toBe(6);
    expect(msg.result.isError).not.toBe(true);
    expect(msg.result.content[0]!.text).toContain('{\\"ok\\":true}');
    expect(r.text).not.toContain('json-leg-secret');
  });
});

describe('what it leaves to the SDK, which refuses as before', () => {
  it('an Accept without text/event-stream -> 406', async () => {
    expect((await post(request('tools/list'), { accept: 'application/json' }).reply).status).toBe(406);
  });
  it('an unsupported MCP-Protocol-Version -> 400', async () => {
    expect((await post(request('tools/list'), { 'mcp-protocol-version': '1999-01-01' }).reply).status).toBe(400);
  });
  it('a message that is not JSON-RPC 2.0 -> 400', async () => {
    expect((await post({ jsonrpc: '1.0', id: 1, method: 'tools/list' }).reply).status).toBe(400);
  });
  it('a batch is answered by the SDK as an array', async () => {
    const r = await post([request('tools/list', {}, 1), request('tools/list', {}, 2)]).reply;
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as Array<{ id: number }>).map((m) => m.id).sort()).toEqual([1, 2]);
  });
  it('a notification -> 202 with no body', async () => {
    const r = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }).reply;
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
  });
  it('the predicate sends each of those, and a progressToken, to the SDK', () => {
    const accept = { accept: RAW_2025_HEADERS.accept, 'content-type': 'application/json' };
    const noProgress = (b: unknown) => JSON.stringify(b).includes('progressToken');
    const list = request('tools/list');
    expect(plainJsonRequest(accept, list, PROTOCOL_VERSIONS, noProgress)).toMatchObject({ method: 'tools/list' });
    expect(plainJsonRequest({ ...accept, accept: 'application/json' }, list, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest({ ...accept, 'content-type': 'text/plain' }, list, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest({ ...accept, 'mcp-protocol-version': '1999-01-01' }, list, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest(accept, [list], PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest(accept, { jsonrpc: '2.0', method: 'notifications/initialized' }, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest(accept, { ...list, params: { _meta: { progressToken: 'p' } } }, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    expect(plainJsonRequest(accept, undefined, PROTOCOL_VERSIONS, noProgress)).toBeNull();
    // A 2026-07-28 request (its envelope) is the modern path's, never this leg's.
    const modern = request('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } });
    expect(plainJsonRequest({ ...accept, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }, modern, PROTOCOL_VERSIONS, noProgress)).toBeNull();
  });
});

describe('a waiting call on the JSON leg', () => {
  it('the client leaving withdraws the approval prompt, and nothing is sent', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
    h.answer = () => null;
    const sent = api.requests.length;
    const { reply, req } = post(request('tools/call', { name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/x` } }, 9));
    reply.catch(() => undefined);
    const pending = async () => (await h.gateway.uiHandlers['approvals.pending']({}, {} as never)).approvals;
    // Bounded by count, never by time: the prompt appears, then goes once the socket closes.
    for (let i = 0; i < 300 && (await pending()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await pending()).toHaveLength(1);
    req.destroy();
    for (let i = 0; i < 300 && (await pending()).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await pending()).toHaveLength(0);
    expect(api.requests.length).toBe(sent);
  });
});

describe('the leg’s transport', () => {
  const req: JSONRPCRequest = { jsonrpc: '2.0', id: 11, method: 'tools/list', params: {} };

  it('resolves with the answer to its own request only; a notification or another id is not delivered', async () => {
    const t = new JsonExchangeTransport();
    t.onmessage = () => undefined;
    const answer = t.exchange(req, { token: '', clientId: 'a', scopes: [] });
    await t.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } });
    await t.send({ jsonrpc: '2.0', id: 12, result: {} });
    await t.send({ jsonrpc: '2.0', id: 11, result: { tools: [] } });
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 11, result: { tools: [] } });
  });

  it('closing before the answer resolves null and calls onclose once', async () => {
    const t = new JsonExchangeTransport();
    let closed = 0;
    t.onmessage = () => undefined;
    t.onclose = () => {
      closed++;
    };
    const answer = t.exchange(req, { token: '', clientId: 'a', scopes: [] });
    await t.close();
    await t.close();
    expect(await answer).toBeNull();
    expect(closed).toBe(1);
  });
});
