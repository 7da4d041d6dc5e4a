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
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { createAgentMcpServer, type AgentServerDeps } from './mcp-server';
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

/**
 * The SDK v2 entry serves both eras on one URL: 2026-07-28 requests (per-request `_meta`
 * envelope) on its modern path, everything else through its stateless 2025-era leg.
 * The agent reaches the factory only through this request's authInfo, which our own
 * bearer check filled in; the token itself is not passed on.
 */
function mcpHandler(deps: AgentServerDeps): McpHttpHandler {
  return createMcpHandler(
    (ctx) => {
      const agent = ctx.authInfo?.extra?.agent as AuthenticatedAgent | undefined;
      const exchange = ctx.authInfo?.extra?.exchange as AbortSignal | undefined;
      if (!agent) throw new Error('no authenticated agent');
      return createAgentMcpServer(deps, agent, ctx.era, exchange);
    },
    { legacy: 'stateless', responseMode: 'auto', maxRequestBodySize: 2 * 1024 * 1024 },
  );
}

export function createGatewayHttpApp(deps: AgentServerDeps, registry: Registry): http.RequestListener {
  const handler = mcpHandler(deps);
  return (req, res) => {
    void handle(handler, registry, req, res).catch(() => {
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal error.');
      else res.destroy();
    });
  };
}

async function handle(handler: McpHttpHandler, registry: Registry, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
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
  const { request, abort, signal } = toWebRequest(req, parsed.body);
  // Only an exchange that ends before its response was fully written counts as abandoned.
  res.on('close', () => {
    if (!res.writableFinished) abort();
  });
  try {
    const response = await handler.fetch(request, { parsedBody: parsed.body, authInfo: { token: '', clientId: agent.id, scopes: [], extra: { agent, exchange: signal } } });
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
