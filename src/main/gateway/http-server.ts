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
import express, { type NextFunction, type Request, type Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { DispatchDeps } from './dispatch';
import { createAgentMcpServer } from './mcp-server';
import type { AuthenticatedAgent, Registry } from './registry';

/** Default port: fixed so pasted client configs keep working across restarts. */
export const DEFAULT_GATEWAY_PORT = 47615;
export const MCP_PATH = '/mcp';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function jsonRpcError(res: Response, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
  res
    .status(status)
    .set(extraHeaders)
    .json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
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

export function createGatewayHttpApp(deps: DispatchDeps, registry: Registry): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isLoopbackHost(req.headers.host)) return jsonRpcError(res, 403, 'Forbidden host.');
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackOrigin(origin)) return jsonRpcError(res, 403, 'Forbidden origin.');
    next();
  });
  app.use(MCP_PATH, (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    const agent = m ? registry.authenticate(m[1]!) : null;
    if (!agent) {
      return jsonRpcError(res, 401, 'Missing or invalid Latchkey agent token. Pair this agent in Latchkey and use the token it shows.', {
        'WWW-Authenticate': 'Bearer realm="latchkey", error="invalid_token"',
      });
    }
    res.locals.agent = agent;
    next();
  });
  app.use(MCP_PATH, express.json({ limit: '2mb' }));
  app.post(MCP_PATH, async (req: Request, res: Response) => {
    const agent = res.locals.agent as AuthenticatedAgent;
    const server = createAgentMcpServer(deps, agent);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch {
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal error.');
    }
  });
  // Stateless: no standalone SSE stream and no sessions to delete.
  app.all(MCP_PATH, (_req: Request, res: Response) => jsonRpcError(res, 405, 'Method not allowed.', { Allow: 'POST' }));
  app.use((_req: Request, res: Response) => jsonRpcError(res, 404, 'Not found.'));
  // Parse errors (bad JSON, too large) must not echo the body back.
  app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    jsonRpcError(res, typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500, 'Malformed request.');
  });
  return app;
}

export interface HttpListener {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export function listenHttp(app: express.Express, port: number): Promise<HttpListener> {
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
