/**
 * The MCP endpoint over Streamable HTTP: http://127.0.0.1:<port>/mcp, stateless (one
 * server + transport per POST, bound to the agent whose token authenticated it).
 *
 * Checks, in order, each closing a specific attack:
 *   1. Host must be a loopback name (127.0.0.1, localhost, [::1]) — DNS rebinding: a
 *      web page at evil.example that re-resolves to 127.0.0.1 still sends Host: evil.example.
 *   2. An Origin header, if present, must be a loopback origin — a browser page must
 *      not drive the gateway even with a token it somehow has. No CORS headers are ever
 *      sent, so browsers also cannot read responses.
 *   3. Bearer token (constant-time keyed-hash compare) -> the agent.
 *   4. Only then is the body read and parsed (size-capped).
 *
 * Then a single 2025-era request that asked for no progress is served from that parsed
 * body straight onto the socket (json-exchange.ts); everything else goes through the
 * SDK's web-standard entry and transports (web-bridge.ts), which answer every refusal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMcpHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo, type Server } from '@modelcontextprotocol/server';
import { plainJsonRequest, serveJsonExchange } from './json-exchange';
import { createAgentMcpServer, PROTOCOL_VERSIONS, type AgentServerDeps } from './mcp-server';
import type { AuthenticatedAgent, Registry } from './registry';
import { toWebRequest, writeWebResponse } from './web-bridge';

/** Default port: fixed so pasted client configs keep working across restarts. */
export const DEFAULT_GATEWAY_PORT = 47615;
export const MCP_PATH = '/mcp';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function jsonRpcError(res: http.ServerResponse, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, { ...extraHeaders, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  try {
    const u = new URL(`http://${hostHeader}`);
    return LOOPBACK_HOSTS.has(u.hostname) && u.pathname === '/' && u.username === '';
  } catch {
    return false;
  }
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

/** The path part of a request target, lower-cased (routes match case-insensitively). */
function pathOf(target: string | undefined): string {
  const t = target ?? '/';
  const q = t.indexOf('?');
  return (q < 0 ? t : t.slice(0, q)).toLowerCase();
}

/**
 * express's own JSON body parser (body-parser), used on its own: the same limits, media
 * types, charsets, encodings and errors as before, without a router in front of it.
 */
const parseJson = express.json({ limit: '2mb' });

function readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ ok: true; body: unknown } | { ok: false; status: number }> {
  return new Promise((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- connect's typings ask for their own subclass of http.IncomingMessage (it only adds an optional originalUrl); body-parser reads node's fields
    parseJson(req, res, (err?: unknown) => {
      if (err === undefined || err === null) {
        resolve({ ok: true, body: (req as { body?: unknown }).body });
        return;
      }
      const status = (err as { status?: unknown }).status;
      resolve({ ok: false, status: typeof status === 'number' && status >= 400 && status < 500 ? status : 500 });
    });
  });
}

type McpFetch = (request: Request, options: { parsedBody: unknown; authInfo: AuthInfo }) => Promise<Response>;
type AgentServerFactory = (ctx: { era: 'legacy' | 'modern'; authInfo?: AuthInfo }) => Server;

/** The one server factory both eras and both legs use: the agent reaches it only through this request's authInfo. */
function agentServerFactory(deps: AgentServerDeps): AgentServerFactory {
  return (ctx) => {
    const agent = ctx.authInfo?.extra?.agent as AuthenticatedAgent | undefined;
    const exchange = ctx.authInfo?.extra?.exchange as AbortSignal | undefined;
    if (!agent) throw new Error('no authenticated agent');
    return createAgentMcpServer(deps, agent, ctx.era, exchange);
  };
}

/**
 * One URL, both eras: 2026-07-28 requests (per-request `_meta` envelope) go to the SDK v2
 * entry; 2025-era ones (`initialize`, or a claim-less request) to our own stateless leg,
 * routed with the SDK's own predicate (isLegacyRequest) on the body we already parsed.
 * The agent reaches the factory only through this request's authInfo, which our own
 * bearer check filled in; the token itself is not passed on.
 */
function mcpHandler(factory: AgentServerFactory): McpFetch {
  const modern = createMcpHandler(factory, { legacy: 'reject', responseMode: 'auto', maxRequestBodySize: MAX_BODY });
  return async (request, options) => {
    if (await isLegacyRequest(request, options.parsedBody, { maxRequestBodySize: MAX_BODY })) return serveLegacy(factory, request, options);
    return modern.fetch(request, options);
  };
}

const MAX_BODY = 2 * 1024 * 1024;

/** Whether any request in the message (or batch) asked for progress notifications. */
function asksForProgress(body: unknown): boolean {
  const one = (m: unknown): boolean => {
    const meta = (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
    return meta !== undefined && meta !== null && typeof meta === 'object' && meta.progressToken !== undefined;
  };
  return Array.isArray(body) ? body.some(one) : one(body);
}

/**
 * The 2025-era stateless leg, as the SDK's own (createLegacyStatelessFallback): a fresh
 * instance and transport per POST, torn down when the exchange ends. One difference: a
 * call that asked for no progress gets its result as plain JSON instead of a one-event
 * SSE stream — nothing could be sent before the result, and a JSON answer costs both
 * sides less. A call with a progressToken still gets SSE (approval waits report progress).
 */
async function serveLegacy(
  factory: (ctx: { era: 'legacy'; authInfo?: AuthInfo }) => Server,
  request: Request,
  options: { parsedBody: unknown; authInfo: AuthInfo },
): Promise<Response> {
  if (request.method.toUpperCase() !== 'POST') return new Response(null, { status: 405 });
  const server = factory({ era: 'legacy', authInfo: options.authInfo });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !asksForProgress(options.parsedBody),
    maxRequestBodySize: MAX_BODY,
  });
  await server.connect(transport);
  let done = false;
  const teardown = (): void => {
    if (done) return;
    done = true;
    transport.close().catch(() => undefined);
    server.close().catch(() => undefined);
  };
  request.signal.addEventListener('abort', teardown, { once: true });
  let response: Response;
  try {
    response = await transport.handleRequest(request, { authInfo: options.authInfo, parsedBody: options.parsedBody });
  } catch (err) {
    teardown();
    throw err;
  }
  if (response.body === null || !(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) {
    teardown();
    return response;
  }
  // SSE: tear down once the stream has been read to its end (or cancelled).
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          teardown();
          controller.close();
          return;
        }
        controller.enqueue(value);
      } catch (err) {
        teardown();
        controller.error(err);
      }
    },
    cancel: (reason) => {
      teardown();
      return reader.cancel(reason).catch(() => undefined);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function createGatewayHttpApp(deps: AgentServerDeps, registry: Registry): http.RequestListener {
  const factory = agentServerFactory(deps);
  const handler = mcpHandler(factory);
  return (req, res) => {
    void handle(factory, handler, registry, req, res).catch(() => {
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal error.');
      else res.destroy();
    });
  };
}

async function handle(factory: AgentServerFactory, handler: McpFetch, registry: Registry, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!isLoopbackHost(req.headers.host)) return jsonRpcError(res, 403, 'Forbidden host.');
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) return jsonRpcError(res, 403, 'Forbidden origin.');
  const path = pathOf(req.url);
  if (path !== MCP_PATH && !path.startsWith(`${MCP_PATH}/`)) return jsonRpcError(res, 404, 'Not found.');
  const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
  const agent = m ? registry.authenticate(m[1]!) : null;
  if (!agent) {
    return jsonRpcError(res, 401, 'Missing or invalid Latchkey agent token. Pair this agent in Latchkey and use the token it shows.', {
      'WWW-Authenticate': 'Bearer realm="latchkey", error="invalid_token"',
    });
  }
  // Only then is the body read and parsed (size-capped). Parse errors must not echo the body back.
  const parsed = await readJson(req, res);
  if (!parsed.ok) return jsonRpcError(res, parsed.status, 'Malformed request.');
  if (path !== MCP_PATH && path !== `${MCP_PATH}/`) return jsonRpcError(res, 404, 'Not found.');
  // Stateless: no standalone SSE stream and no sessions to delete.
  if (req.method !== 'POST') return jsonRpcError(res, 405, 'Method not allowed.', { Allow: 'POST' });
  const exchange = new AbortController();
  // Only an exchange that ends before its response was fully written counts as abandoned.
  res.on('close', () => {
    if (!res.writableFinished) exchange.abort();
  });
  const authInfo: AuthInfo = { token: '', clientId: agent.id, scopes: [], extra: { agent, exchange: exchange.signal } };
  try {
    // A 2025-era request that asked for no progress: no Fetch API copies (json-exchange.ts).
    const plain = plainJsonRequest(req.headers, parsed.body, PROTOCOL_VERSIONS, asksForProgress);
    if (plain !== null) return await serveJsonExchange(factory({ era: 'legacy', authInfo }), plain, authInfo, exchange.signal, res);
    const request = toWebRequest(req, exchange.signal);
    const response = await handler(request, { parsedBody: parsed.body, authInfo });
    await writeWebResponse(response, res);
  } catch {
    if (!res.headersSent) jsonRpcError(res, 500, 'Internal error.');
    else res.destroy();
  }
}

export interface HttpListener {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export function listenHttp(app: http.RequestListener, port: number): Promise<HttpListener> {
  const server = http.createServer(app);
  // Keep-alive helps agents that reuse connections; bounded so idle sockets do not pile up.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        port: actual,
        url: `http://127.0.0.1:${actual}${MCP_PATH}`,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
