/**
 * One outbound HTTP(S) request made on an agent's behalf, to an address checked AFTER
 * DNS resolution and then pinned: the socket connects to exactly the address that was
 * classified, so a name that re-resolves to 127.0.0.1 between check and connect (DNS
 * rebinding, TOCTOU) cannot redirect the credential. TLS still verifies the certificate
 * for the URL's host name (SNI and hostname check use the name, not the address).
 *
 * With a pool (pool.ts) the connection is kept alive for the next request to the same
 * origin at the same checked address, and only for that. A kept-alive socket the
 * server closed just as it was reused fails before any answer; an idempotent request
 * is then sent once more on a new connection to the same pinned address (as Node's
 * documentation advises), anything else fails as before.
 *
 * Redirects are NOT followed here; the caller decides per hop (see the gateway's
 * http_request tool) so a credential never follows a redirect to another origin.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { LatchkeyError } from '../../shared/errors';
import { classifyAddress } from './address';
import type { EgressPool } from './pool';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has. Tests pass a fixed table. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface CheckedTarget {
  readonly url: URL;
  readonly address: ResolvedAddress;
}

/**
 * Resolves `url`'s host and refuses it when ANY of its addresses is loopback, private,
 * link-local or special — unless the host is an IP literal and `allowNonPublicLiteral`
 * says the item named that literal explicitly. A host NAME is never allowed to reach a
 * non-public address: a public name that resolves to 127.0.0.1 is exactly the attack.
 */
export async function resolveChecked(url: URL, opts: { resolver: Resolver; allowNonPublicLiteral: boolean }): Promise<CheckedTarget> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await opts.resolver(host);
    } catch {
      throw new LatchkeyError('destination_refused', `The host ${host} could not be resolved.`, { origin: url.origin });
    }
    if (addresses.length === 0) throw new LatchkeyError('destination_refused', `The host ${host} has no address.`, { origin: url.origin });
  }
  for (const a of addresses) {
    const cls = classifyAddress(a.address);
    if (cls === 'public') continue;
    if (literal !== 0 && opts.allowNonPublicLiteral && cls !== 'special') continue;
    throw new LatchkeyError(
      'destination_refused',
      literal !== 0
        ? `${url.origin} is a ${cls.replace('_', '-')} address; the credential must name it explicitly in its allowed origins.`
        : `${url.origin} resolves to a ${cls.replace('_', '-')} address; credentials are only sent to public addresses unless the item names a private IP explicitly.`,
      { origin: url.origin, addressClass: cls },
    );
  }
  return { url, address: addresses[0]! };
}

export interface PinnedRequest {
  readonly target: CheckedTarget;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  readonly timeoutMs: number;
  /** Bytes of body kept; the rest is dropped and `truncated` set. */
  readonly maxBodyBytes: number;
  readonly signal?: AbortSignal;
  /** Keep the connection for the next request to this origin and address; none = a new connection per request. */
  readonly pool?: EgressPool;
}

export interface PinnedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly truncated: boolean;
}

function pinnedLookup(address: ResolvedAddress): LookupFunction {
  // Node calls lookup with { all: true } when autoSelectFamily is on; answer both shapes.
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options && options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

/** Safe to send twice (RFC 9110 §9.2.2); POST and PATCH are never retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** How a kept-alive socket the server closed under us fails. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

class StaleSocket extends Error {}

export async function sendPinned(req: PinnedRequest): Promise<PinnedResponse> {
  if (!req.pool) return sendOnce(req, false);
  try {
    return await sendOnce(req, req.pool.agentFor(req.target.url, req.target.address));
  } catch (err) {
    if (!(err instanceof StaleSocket)) throw err;
    return sendOnce(req, false);
  }
}

function sendOnce(req: PinnedRequest, agent: http.Agent | false): Promise<PinnedResponse> {
  const { url, address } = req.target;
  const isHttps = url.protocol === 'https:';
  const mod = isHttps ? https : http;
  return new Promise<PinnedResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(req.body.byteLength);
    const r = mod.request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers,
      lookup: pinnedLookup(address),
      // A pool of this origin at this address only (pool.ts), or a new connection.
      agent,
      ...(isHttps && isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
    });
    let settled = false;
    const cleanup = (): void => {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: LatchkeyError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      r.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new LatchkeyError('cancelled', 'The request was cancelled.'));
    const timer = setTimeout(() => fail(new LatchkeyError('timeout', `The request to ${url.origin} took longer than ${req.timeoutMs} ms.`, { origin: url.origin })), req.timeoutMs);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    // Error text from the socket layer can quote the request; keep only its code.
    let answered = false;
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (agent !== false && r.reusedSocket && !answered && !settled && STALE_SOCKET.has(e.code ?? '') && IDEMPOTENT.has(req.method)) {
        settled = true;
        cleanup();
        reject(new StaleSocket());
        return;
      }
      fail(new LatchkeyError('upstream_failed', `The request to ${url.origin} failed (${e.code ?? 'network error'}).`, { origin: url.origin }));
    });
    r.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        cleanup();
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), truncated });
        if (truncated) r.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = req.maxBodyBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          finish();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      res.on('error', () => fail(new LatchkeyError('destination_refused', `The response from ${url.origin} was cut off.`, { origin: url.origin })));
    });
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}
