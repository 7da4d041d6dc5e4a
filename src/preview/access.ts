/**
 * Who may talk to the preview server. It runs on a developer's machine where any web
 * page the browser opens can aim requests at 127.0.0.1, so:
 * - a random 256-bit token, printed once, is required on every request (query on the
 *   first visit, then an HttpOnly SameSite=Strict cookie) and compared in constant time;
 * - the Host header must name our own loopback address and port (DNS rebinding: a
 *   page on evil.example resolving to 127.0.0.1 sends Host: evil.example);
 * - the WebSocket upgrade also needs an Origin of our own (cross-site WebSocket
 *   hijacking) — or none, for non-browser clients presenting the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_QUERY_PARAM = 'token';

export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export function cookieName(port: number): string {
  // Cookies are not isolated by port; the name keeps two previews from clobbering each other.
  return `latchkey_preview_${port}`;
}

/** Constant-time equality of two strings of any length (hashing first equalizes length). */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // not a browser: the token still decides
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/** The value of one cookie from a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type AccessDecision = { ok: true; viaQuery: boolean } | { ok: false; status: 401 | 403; reason: string };

export interface AccessRequest {
  host: string | undefined;
  origin?: string | undefined;
  cookie: string | undefined;
  url: URL;
}

export function checkAccess(req: AccessRequest, token: string, port: number, isUpgrade: boolean): AccessDecision {
  if (!isAllowedHost(req.host, port)) return { ok: false, status: 403, reason: 'Host not allowed.' };
  if (isUpgrade && !isAllowedOrigin(req.origin, port)) return { ok: false, status: 403, reason: 'Origin not allowed.' };
  const fromQuery = req.url.searchParams.get(TOKEN_QUERY_PARAM);
  if (fromQuery !== null && tokensEqual(fromQuery, token)) return { ok: true, viaQuery: true };
  const fromCookie = readCookie(req.cookie, cookieName(port));
  if (fromCookie !== undefined && tokensEqual(fromCookie, token)) return { ok: true, viaQuery: false };
  return { ok: false, status: 401, reason: 'Open the URL that `npm run preview` printed: it carries the access token.' };
}
