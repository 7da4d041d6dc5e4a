/**
 * Preview mode: the renderer served to an ordinary browser on 127.0.0.1, with main's
 * services (src/main/services.ts) running here in Node behind a WebSocket — the same
 * code as the Electron app, another transport. Access rules: ./access.ts.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { createMemoryKeychain } from '../main/keychain/keychain.memory';
import { createMainServices, type MainServices } from '../main/services';
import { contentSecurityPolicy } from '../shared/csp';
import { DEFAULT_MAX_FRAME_BYTES, fromWebSocket } from '../shared/rpc/adapters/websocket';
import { isMainPortPurpose, PREVIEW_PURPOSE_PARAM, PREVIEW_RPC_PATH } from '../shared/rpc/bridge';
import { allowedHosts, checkAccess, cookieName, newAccessToken, TOKEN_QUERY_PARAM } from './access';
import { loadStatic } from './static-files';

/** Default port of `npm run preview` (override with --port or LATCHKEY_PREVIEW_PORT; 0 = any free port). */
export const DEFAULT_PREVIEW_PORT = 5199;
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export interface PreviewServerOptions {
  port?: number;
  /** Built renderer (electron-vite build output). */
  rendererDir?: string;
  /** Main's services; default: preview composition with an in-memory keychain. */
  services?: MainServices;
  version?: string;
}

export interface PreviewServer {
  /** The URL to open, token included. Show it to the person; never log it elsewhere. */
  url: string;
  token: string;
  port: number;
  /** Base URL without the token. */
  origin: string;
  close(): Promise<void>;
}

function securityHeaders(port: number): Record<string, string> {
  const ws = allowedHosts(port).map((h) => `ws://${h}`);
  return {
    // The Electron policy, plus this server's own WebSocket origins for the RPC socket.
    'Content-Security-Policy': contentSecurityPolicy({ connectSrc: ws }),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startPreviewServer(opts: PreviewServerOptions = {}): Promise<PreviewServer> {
  const rendererDir = opts.rendererDir ?? DEFAULT_RENDERER_DIR;
  if (!existsSync(`${rendererDir}/index.html`)) {
    throw new Error(`No built renderer at ${rendererDir}. Run \`npx electron-vite build\` first.`);
  }
  const token = newAccessToken();
  const ownsServices = opts.services === undefined;
  const services = opts.services ?? createMainServices({ shell: 'preview', version: opts.version ?? '0.0.0-preview', keychain: createMemoryKeychain() });
  const wss = new WebSocketServer({ noServer: true, maxPayload: DEFAULT_MAX_FRAME_BYTES });
  let port = 0;

  const requestUrl = (req: IncomingMessage): URL => new URL(req.url ?? '/', 'http://preview.invalid');

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = securityHeaders(port);
    const url = requestUrl(req);
    const access = checkAccess({ host: req.headers.host, cookie: req.headers.cookie, url }, token, port, false);
    if (!access.ok) {
      res.writeHead(access.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(access.reason);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    if (access.viaQuery) {
      // Trade the token for a cookie and drop it from the address bar and history.
      url.searchParams.delete(TOKEN_QUERY_PARAM);
      res
        .writeHead(303, {
          ...headers,
          'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: `${url.pathname}${url.search}`,
        })
        .end();
      return;
    }
    const file = await loadStatic(rendererDir, url.pathname);
    if (file === null) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  const http = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  http.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    const access = checkAccess({ host: req.headers.host, origin: req.headers.origin, cookie: req.headers.cookie, url }, token, port, true);
    if (!access.ok) {
      refuseUpgrade(socket, access.status, access.status === 401 ? 'Unauthorized' : 'Forbidden');
      return;
    }
    if (url.pathname !== PREVIEW_RPC_PATH) {
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const purpose = url.searchParams.get(PREVIEW_PURPOSE_PARAM) ?? 'page';
    if (!isMainPortPurpose(purpose)) {
      refuseUpgrade(socket, 400, 'Bad Request');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      services.serveRenderer(fromWebSocket(ws), purpose);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? DEFAULT_PREVIEW_PORT, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?${TOKEN_QUERY_PARAM}=${token}`,
    token,
    port,
    origin,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      if (ownsServices) await services.close();
    },
  };
}
