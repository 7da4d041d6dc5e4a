/**
 * Kept-alive connections for egress. One pool (an http.Agent) per origin AND checked
 * address: a socket is only ever reused for the same scheme, host, port and the very
 * address that was classified and pinned for it (request.ts), so a later resolution to
 * another address — rebinding, round-robin DNS — gets its own pool and a new connection,
 * and no origin ever rides another origin's socket. Node's own pool key (host, port,
 * TLS options) does not include the pinned address, hence one Agent per address.
 *
 * Idle sockets close after IDLE_MS (sooner if the server's Keep-Alive hint says so);
 * at most MAX_POOLS pools are kept, the least recently used idle one dropped first.
 */
import http from 'node:http';
import https from 'node:https';

const MAX_POOLS = 64;
/** Below the common server keep-alive timeouts (Node 5 s), so a reused socket is rarely one the server is closing. */
const IDLE_MS = 4_000;

export interface EgressPool {
  /** The agent for `url`'s origin at this checked address. */
  agentFor(url: URL, address: { readonly address: string; readonly family: 4 | 6 }): http.Agent;
  /** Closes every pooled connection (at lock and shutdown). */
  close(): void;
}

export function createEgressPool(): EgressPool {
  const pools = new Map<string, http.Agent>();
  const busy = (a: http.Agent): boolean => Object.keys(a.sockets).length > 0 || Object.keys(a.requests).length > 0;
  return {
    agentFor(url, address) {
      // url.host carries the port unless it is the scheme's default (URL normalises it).
      const key = `${url.protocol}//${url.host}|${address.family}|${address.address}`;
      const known = pools.get(key);
      if (known) {
        pools.delete(key);
        pools.set(key, known);
        return known;
      }
      // No cap on sockets in use (as without a pool, parallel calls never queue); only idle ones are bounded.
      const opts = { keepAlive: true, maxFreeSockets: 4, timeout: IDLE_MS, scheduling: 'lifo' as const };
      const agent = url.protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
      pools.set(key, agent);
      if (pools.size > MAX_POOLS) {
        // An agent with a request in flight is never dropped (that would cut the request).
        for (const [k, a] of pools) {
          if (pools.size <= MAX_POOLS) break;
          if (a === agent || busy(a)) continue;
          pools.delete(k);
          a.destroy();
        }
      }
      return agent;
    },
    close() {
      for (const a of pools.values()) a.destroy();
      pools.clear();
    },
  };
}
