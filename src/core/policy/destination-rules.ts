/**
 * Destination rules by method and path (grammar: destinationRuleSchema in
 * src/shared/policy.ts for policy lists, originSchema in src/shared/items.ts for an
 * item's destinations; semantics: docs/policy.md "Destination rules").
 *
 * The request's path is what the runtime's WHATWG URL parser makes of it — the same
 * URL object the gateway and the proxy then send — so dot segments (`..`, `%2e%2e`)
 * are already resolved and `\` is already `/`. On top of that, percent-encoded
 * unreserved characters are decoded and other escapes upper-cased, on both sides, so
 * `/%72epos` is `/repos`. A path that still holds an encoded `/` or `\` (`%2F`, `%5C`),
 * which servers disagree about, matches no path glob of an allow rule and every path
 * glob of a deny rule: fail closed either way.
 */
import { compilePattern, parseDestination, type Destination } from './destinations';

/** The parts of a WHATWG URL we read (core compiles without DOM or Node types). */
interface ParsedUrl {
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  readonly origin: string;
}
type UrlConstructor = new (input: string) => ParsedUrl;

function urlImpl(): UrlConstructor | null {
  return (globalThis as { URL?: UrlConstructor }).URL ?? null;
}

type HostMatch = (dest: Destination) => boolean;

interface CompiledRule {
  /** Null = any method. */
  readonly methods: ReadonlySet<string> | null;
  readonly host: HostMatch;
  /** Null = any path. */
  readonly path: RegExp | null;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Decodes escapes of unreserved characters, upper-cases the rest; null when an encoded / or \ remains. */
function canonicalPath(path: string): string | null {
  const out = path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  if (/%(?:2F|5C)/.test(out)) return null;
  // Decoding may have produced "." or ".." segments the URL parser did not see as such.
  if (out.split('/').some((s) => s === '.' || s === '..')) return null;
  return out;
}

function globToRegExp(glob: string): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      src += '.*';
      i++;
    } else if (c === '*') src += '[^/]*';
    else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

function splitRule(rule: string): { methods: ReadonlySet<string> | null; target: string } {
  const m = /^([A-Z,]+) (.*)$/.exec(rule);
  if (!m) return { methods: null, target: rule };
  return { methods: new Set(m[1]!.split(',')), target: m[2]! };
}

function splitPath(target: string): { authority: string; path: string | null } {
  const schemeEnd = target.indexOf('://');
  const from = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const slash = target.indexOf('/', from);
  return slash < 0 ? { authority: target, path: null } : { authority: target.slice(0, slash), path: target.slice(slash) };
}

function compilePath(path: string | null): RegExp | null | undefined {
  if (path === null) return null;
  const canon = canonicalPath(path);
  return canon === null ? undefined : globToRegExp(canon);
}

/** A policy list entry (host wildcards, optional scheme and port). Null when it cannot match anything. */
export function compilePolicyRule(rule: string): CompiledRule | null {
  const { methods, target } = splitRule(rule);
  const { authority, path } = splitPath(target);
  const p = compilePattern(authority);
  const re = compilePath(path);
  if (!p || re === undefined) return null;
  const host: HostMatch = (d) =>
    (p.scheme === null || p.scheme === d.scheme) && (p.port === null || p.port === d.port) && (p.wildcard ? d.host.endsWith(p.suffix) : d.host === p.host);
  return { methods, host, path: re };
}

/** An item's entry: an exact origin (default port when none is written). Null when it cannot match anything. */
export function compileItemRule(rule: string): CompiledRule | null {
  const { methods, target } = splitRule(rule);
  const { authority, path } = splitPath(target);
  const URLImpl = urlImpl();
  if (!URLImpl) return null;
  let origin: string;
  try {
    const u = new URLImpl(authority);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    origin = u.origin;
  } catch {
    return null;
  }
  const re = compilePath(path);
  if (re === undefined) return null;
  const host: HostMatch = (d) => {
    const port = (d.scheme === 'https' && d.port === 443) || (d.scheme === 'http' && d.port === 80) ? '' : `:${d.port}`;
    return `${d.scheme}://${d.host}${port}` === origin;
  };
  return { methods, host, path: re };
}

/** One request as rules see it. Built once per hop by requestTarget(). */
export interface RequestTarget {
  readonly dest: Destination;
  /** Null when unknown: a rule with methods then matches only as a deny rule. */
  readonly method: string | null;
  /** Canonical path (canonicalPath), or null when it is ambiguous. */
  readonly path: string | null;
}

/** Null for anything that is not an absolute http(s) URL with a host. */
export function requestTarget(url: string, method: string | null): RequestTarget | null {
  const dest = parseDestination(url);
  const URLImpl = urlImpl();
  if (!dest || !URLImpl) return null;
  const pathname = new URLImpl(url).pathname;
  return { dest, method, path: canonicalPath(pathname) };
}

/**
 * Methods are compared exactly (HTTP methods are case-sensitive: a rule's `GET` does
 * not allow `get`), and HEAD is its own method (a `GET` rule does not allow HEAD).
 * `asDeny`: an ambiguous path counts as matching a rule with a path glob.
 */
export function ruleMatches(rule: CompiledRule, t: RequestTarget, asDeny: boolean): boolean {
  if (!rule.host(t.dest)) return false;
  if (rule.methods !== null && (t.method === null ? !asDeny : !rule.methods.has(t.method))) return false;
  if (rule.path === null) return true;
  if (t.path === null) return asDeny;
  return rule.path.test(t.path);
}

type Compiler = (rule: string) => CompiledRule | null;
const caches = new Map<Compiler, WeakMap<readonly string[], readonly (readonly [string, CompiledRule])[]>>();

// A credential's rules reach main in a new array with every 'credentials.use' (so the
// per-array cache misses): compiled rules are also kept by their text, which is all a
// compiled rule depends on. Bounded: a long-running app sees only the rules it has.
const RULE_CACHE_MAX = 4096;
const byText = new Map<Compiler, Map<string, CompiledRule | null>>();

function compiledRule(compiler: Compiler, rule: string): CompiledRule | null {
  let m = byText.get(compiler);
  if (!m) byText.set(compiler, (m = new Map<string, CompiledRule | null>()));
  let c = m.get(rule);
  if (c === undefined) {
    if (m.size >= RULE_CACHE_MAX) m.clear();
    c = compiler(rule);
    m.set(rule, c);
  }
  return c;
}

/**
 * The first rule of `rules` that matches, or null. Compiled lists are cached per
 * array: an EffectivePolicy and an item's rules are immutable once built.
 */
function firstMatch(compiler: Compiler, rules: readonly string[], t: RequestTarget, asDeny: boolean): string | null {
  let cache = caches.get(compiler);
  if (!cache) caches.set(compiler, (cache = new WeakMap()));
  let compiled = cache.get(rules);
  if (!compiled) {
    compiled = rules.flatMap((r) => {
      const c = compiledRule(compiler, r);
      return c ? [[r, c] as const] : [];
    });
    cache.set(rules, compiled);
  }
  for (const [r, c] of compiled) if (ruleMatches(c, t, asDeny)) return r;
  return null;
}

export function matchesPolicyRule(t: RequestTarget, rules: readonly string[], asDeny: boolean): string | null {
  return firstMatch(compilePolicyRule, rules, t, asDeny);
}

/** True when one of the item's destinations allows this method and URL. */
export function itemAllows(rules: readonly string[], url: string, method: string): boolean {
  const t = requestTarget(url, method);
  return t !== null && firstMatch(compileItemRule, rules, t, false) !== null;
}

/** True when some destination rule of the item names this origin (whatever its methods and paths). */
export function itemNamesOrigin(rules: readonly string[], url: string): boolean {
  const dest = parseDestination(url);
  if (!dest) return false;
  return rules.some((r) => compileItemRule(r)?.host(dest) === true);
}
