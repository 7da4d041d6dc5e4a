/**
 * Matching a request URL against destination patterns (grammar: destinationRuleSchema
 * in src/shared/policy.ts). The URL is parsed by the runtime's WHATWG URL parser — the
 * same one the gateway uses to send the request — so both agree on the host:
 * `http://2130706433/` is 127.0.0.1, `https://EVIL.com./` is evil.com, userinfo is not
 * the host, IDNs are punycode. A hand-written parser here would invite differentials.
 */

/** The parts of a WHATWG URL we read (core compiles without DOM or Node types). */
interface ParsedUrl {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
}
type UrlConstructor = new (input: string) => ParsedUrl;

export interface Destination {
  readonly scheme: 'http' | 'https';
  /** Lower-case, no trailing dot; IPv6 in brackets. */
  readonly host: string;
  readonly port: number;
}

/** Null for anything that is not an absolute http(s) URL with a host. */
export function parseDestination(url: string): Destination | null {
  const URLImpl = (globalThis as { URL?: UrlConstructor }).URL;
  if (!URLImpl) return null;
  let u: ParsedUrl;
  try {
    u = new URLImpl(url);
  } catch {
    return null;
  }
  const scheme = u.protocol === 'https:' ? 'https' : u.protocol === 'http:' ? 'http' : null;
  if (!scheme || u.hostname === '') return null;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  return { scheme, host, port };
}

export interface CompiledPattern {
  readonly scheme: 'http' | 'https' | null;
  readonly host: string;
  readonly wildcard: boolean;
  readonly port: number | null;
  /** ".<host>" for wildcard patterns, precomputed for the hot path. */
  readonly suffix: string;
}

/** Patterns are schema-validated before they get here; an odd one simply never matches. */
export function compilePattern(pattern: string): CompiledPattern | null {
  const m = /^(?:(https?):\/\/)?(\*\.)?([^:[\]]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(pattern);
  if (!m) return null;
  const host = m[3]!.toLowerCase().replace(/\.$/, '');
  return {
    scheme: m[1] ? (m[1].toLowerCase() as 'http' | 'https') : null,
    wildcard: m[2] !== undefined,
    host,
    port: m[4] !== undefined ? Number(m[4]) : null,
    suffix: `.${host}`,
  };
}
