/**
 * The per-run egress proxy of `latchkey run` and `run_command` in proxy mode
 * (docs/gateway.md "Proxy mode"). Bound to 127.0.0.1 on a random port, it accepts only
 * clients presenting this run's proxy credential (Proxy-Authorization: Basic
 * `latchkey:<token>`), then:
 * - CONNECT to a host one of the run's credentials names: TLS is terminated with a
 *   leaf from the per-device CA, each request's head (and, for an item whose rule
 *   says so, its textual body: body.ts) is searched for the run's
 *   placeholders, and a placeholder is swapped for its secret only when that
 *   credential's rules and policy allow the request's method, origin and path — else
 *   the request is refused (403) and recorded. Upstream is a new TLS connection with
 *   normal certificate verification; the secret in the response is turned back into
 *   the placeholder.
 * - CONNECT to any other host: tunnelled untouched, or refused (`otherHosts`).
 * - plain-HTTP proxy requests: the same search and swap, for http:// rules.
 * Every swap and refusal is recorded (no record, no use) with the command and the
 * destination origin and method, never a value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { assertDestinationAllowed, itemAllows, itemNamesOrigin } from '../../core/policy';
import type { EffectivePolicy } from '../../shared/policy';
import { resolveChecked, systemResolver, type Resolver } from '../egress/request';
import type { DeviceCa } from './ca';
import { createLeafMinter, type LeafMinter } from './leaf';
import { MAX_SWAP_BODY_BYTES, bodyForm, encodeForBody, readBody, replaceInBody } from './body';
import { SecretToPlaceholder, headerHolds, swapHeaderValue } from './swap';

export interface ProxyCredential {
  readonly itemId: string;
  readonly name: string;
  readonly placeholder: string;
  /** Never logged, never in a record. */
  readonly secret: string;
  /** The item's destination rules (origin, optional methods and path glob). */
  readonly rules: readonly string[];
  /** The item's rule: also swap the placeholder in textual request bodies (body.ts). */
  readonly swapInBody?: boolean;
}

export type ProxyAction = 'proxy.swap' | 'proxy.refused_destination' | 'proxy.refused_unauthenticated' | 'proxy.refused_host';

export interface ProxyRecord {
  readonly action: ProxyAction;
  /** argv[0] (base name) of the run's command. */
  readonly command: string;
  readonly origin: string;
  readonly method: string;
  readonly itemId?: string;
  readonly credentialName?: string;
}

export interface ProxyOptions {
  readonly credentials: readonly ProxyCredential[];
  readonly ca: DeviceCa;
  readonly command: string;
  readonly policy: () => EffectivePolicy;
  /** Written before the swap; a failure refuses the request (no record, no use). */
  readonly record: (r: ProxyRecord) => Promise<void>;
  /** What happens to CONNECT to a host no credential names. */
  readonly otherHosts: 'tunnel' | 'refuse';
  /** Where to connect for host:port. Default: resolved and checked by egress (public addresses only). */
  readonly dial?: (host: string, port: number) => Promise<{ address: string; port: number }>;
  /** Upstream trust roots (tests only); default: Node's roots. */
  readonly upstreamCa?: readonly string[];
  readonly resolver?: Resolver;
}

export interface RunProxy {
  /** `http://latchkey:<token>@127.0.0.1:<port>` for HTTPS_PROXY/HTTP_PROXY. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export async function startRunProxy(opts: ProxyOptions): Promise<RunProxy> {
  const token = randomBytes(24).toString('base64url');
  const expected = digest(`Basic ${Buffer.from(`latchkey:${token}`, 'utf8').toString('base64')}`);
  const authorized = (h: string | undefined): boolean => h !== undefined && timingSafeEqual(digest(h.trim()), expected);
  const minter: LeafMinter = await createLeafMinter(opts.ca);
  const ca = opts.upstreamCa ? [...opts.upstreamCa] : undefined;
  const agent = new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
  const plainAgent = new http.Agent({ keepAlive: true });
  const dial =
    opts.dial ??
    (async (host: string, port: number) => {
      const u = new URL(`https://${net.isIPv6(host) ? `[${host}]` : host}:${port}/`);
      const t = await resolveChecked(u, { resolver: opts.resolver ?? systemResolver, allowNonPublicLiteral: net.isIP(host) !== 0 });
      return { address: t.address.address, port };
    });
  /** The CONNECT authority each terminated TLS socket belongs to. */
  const tunnels = new WeakMap<net.Socket, { host: string; port: number }>();
  const sockets = new Set<net.Socket>();

  const record = async (r: Omit<ProxyRecord, 'command'>): Promise<boolean> => {
    try {
      await opts.record({ ...r, command: opts.command });
      return true;
    } catch {
      return false;
    }
  };

  const refuse = (res: http.ServerResponse, status: number, message: string): void => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`Latchkey proxy: ${message}\n`);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const origin = url.origin;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
    let target = url.pathname + url.search;
    const swapped: ProxyCredential[] = [];
    // A body is read (bounded) only when a credential of the run asks for body swaps and the type is textual.
    const form = opts.credentials.some((c) => c.swapInBody === true) ? bodyForm(header(req, 'content-type'), header(req, 'content-encoding')) : null;
    let body: Buffer | null = null;
    if (form !== null) {
      const read = await readBody(req);
      if (!read.ok) {
        if (read.reason === 'aborted') return void res.destroy();
        return refuse(
          res,
          413,
          `a request body over ${MAX_SWAP_BODY_BYTES / (1024 * 1024)} MiB is not searched for placeholders, so it was not sent (a credential of this run is swapped in bodies).`,
        );
      }
      body = read.body;
    }
    for (const c of opts.credentials) {
      const inHead = target.includes(c.placeholder) || Object.entries(headers).some(([k, v]) => [v].flat().some((x) => headerHolds(k, x, c.placeholder)));
      const inBody = body !== null && c.swapInBody === true && body.includes(c.placeholder);
      if (!inHead && !inBody) continue;
      let allowed = itemAllows(c.rules, url.href, method);
      if (allowed) {
        try {
          assertDestinationAllowed(opts.policy(), url.href, method);
        } catch {
          allowed = false;
        }
      }
      if (!allowed) {
        // An exfiltration attempt or a mistake: either way the placeholder goes nowhere.
        await record({ action: 'proxy.refused_destination', origin, method, itemId: c.itemId, credentialName: c.name });
        return refuse(res, 403, `the credential "${c.name}" may not be sent with ${method} to ${origin}${url.pathname}; the request was refused and recorded.`);
      }
      if (!(await record({ action: 'proxy.swap', origin, method, itemId: c.itemId, credentialName: c.name }))) {
        return refuse(res, 502, 'the use could not be recorded, so the credential was not sent.');
      }
      target = target.split(c.placeholder).join(c.secret);
      for (const [k, v] of Object.entries(headers))
        headers[k] = Array.isArray(v) ? v.map((x) => swapHeaderValue(k, x, c.placeholder, c.secret)) : swapHeaderValue(k, v, c.placeholder, c.secret);
      if (inBody && body !== null && form !== null) body = replaceInBody(body, c.placeholder, encodeForBody(c.secret, form)).body;
      swapped.push(c);
    }
    if (body !== null && (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)) {
      // Sent whole with its new length: the client's chunking (or Expect) does not apply to this copy.
      headers['content-length'] = String(body.length);
      delete headers['expect'];
    }
    // Compressed bodies could hide an echoed secret from the response filter.
    if (swapped.length) headers['accept-encoding'] = 'identity';
    let dest: { address: string; port: number };
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    try {
      dest = await dial(url.hostname.replace(/^\[|\]$/g, ''), port);
    } catch {
      return refuse(res, 502, `${origin} cannot be reached through Latchkey (refused or unresolvable).`);
    }
    const secure = url.protocol === 'https:';
    const up = (secure ? https : http).request({
      host: dest.address,
      port: dest.port,
      method,
      path: target,
      headers,
      agent: secure ? agent : plainAgent,
      ...(secure ? { servername: net.isIP(url.hostname) ? undefined : url.hostname } : {}),
    });
    up.on('error', () => refuse(res, 502, `the connection to ${origin} failed (its certificate may not be trusted).`));
    up.on('response', (u) => {
      const out: Record<string, string | string[]> = {};
      const pairs = swapped.flatMap((c) => {
        // A secret swapped into a body in an escaped form is turned back in that form too.
        const escaped = form !== null && c.swapInBody === true ? encodeForBody(c.secret, form) : c.secret;
        return [{ secret: c.secret, placeholder: c.placeholder }, ...(escaped !== c.secret ? [{ secret: escaped, placeholder: c.placeholder }] : [])];
      });
      for (const [k, v] of Object.entries(u.headers)) {
        if (v === undefined || HOP_BY_HOP.includes(k)) continue;
        out[k] = pairs.reduce<string | string[]>(
          (acc, p) => (Array.isArray(acc) ? acc.map((x) => x.split(p.secret).join(p.placeholder)) : acc.split(p.secret).join(p.placeholder)),
          v,
        );
      }
      const filter = pairs.length > 0 && (u.headers['content-encoding'] ?? 'identity') === 'identity';
      if (filter) delete out['content-length'];
      res.writeHead(u.statusCode ?? 502, out);
      (filter ? u.pipe(new SecretToPlaceholder(pairs)) : u).pipe(res);
    });
    if (body !== null) up.end(body);
    else req.pipe(up);
  };

  // One HTTP parser for the requests inside every terminated tunnel.
  const inner = http.createServer((req, res) => {
    const t = tunnels.get(req.socket);
    if (!t) return refuse(res, 400, 'unknown tunnel.');
    // Inside a tunnel only origin-form targets: an absolute URL would leave the host the tunnel was opened to.
    if (!(req.url ?? '').startsWith('/')) return refuse(res, 400, 'inside a tunnel, requests must name a path, not another URL.');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `https://${net.isIPv6(t.host) ? `[${t.host}]` : t.host}:${t.port}`);
    } catch {
      return refuse(res, 400, 'the request target is not a valid path.');
    }
    void handle(req, res, url);
  });

  const server = http.createServer((req, res) => {
    if (!authorized(req.headers['proxy-authorization'])) {
      void record({ action: 'proxy.refused_unauthenticated', origin: '-', method: req.method ?? '' });
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="latchkey"', connection: 'close' }).end("Latchkey proxy: this run's proxy credential is required.\n");
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      return refuse(res, 400, 'only absolute http:// requests and CONNECT are proxied.');
    }
    void handle(req, res, url);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    // Head and body go out as separate writes: without this, Nagle and delayed ACKs add tens of ms.
    client.setNoDelay(true);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const deny = (status: string): void => void client.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    if (!authorized(req.headers['proxy-authorization'])) {
      void record({ action: 'proxy.refused_unauthenticated', origin: '-', method: 'CONNECT' });
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="latchkey"\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!m) return deny('400 Bad Request');
    const host = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(m[2]);
    const origin = `https://${m[1]!.toLowerCase()}${port === 443 ? '' : `:${port}`}`;
    if (opts.credentials.some((c) => itemNamesOrigin(c.rules, origin))) {
      void minter.leafFor(host).then(
        (leaf) => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) client.unshift(head);
          const t = new tls.TLSSocket(client, { isServer: true, secureContext: tls.createSecureContext({ cert: leaf.certPem, key: leaf.keyPem }), ALPNProtocols: ['http/1.1'] });
          t.on('error', () => t.destroy());
          tunnels.set(t, { host, port });
          inner.emit('connection', t);
        },
        () => deny('502 Bad Gateway'),
      );
      return;
    }
    if (opts.otherHosts === 'refuse') {
      void record({ action: 'proxy.refused_host', origin, method: 'CONNECT' });
      return deny('403 Forbidden');
    }
    void dial(host, port).then(
      (d) => {
        const up = net.connect(d.port, d.address, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) up.write(head);
          up.pipe(client);
          client.pipe(up);
        });
        up.on('error', () => client.destroy());
        client.on('close', () => up.destroy());
      },
      () => deny('502 Bad Gateway'),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://latchkey:${token}@127.0.0.1:${port}`,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      plainAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
