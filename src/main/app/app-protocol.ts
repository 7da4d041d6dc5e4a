/**
 * Serves the built renderer (out/renderer) on app://latchkey/ instead of file://:
 * a real origin gives 'self' in the CSP a precise meaning, module workers load, and
 * IndexedDB has a stable origin. Paths are confined to the renderer directory.
 */
import { extname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './security';

/** Must be registered before the app is ready (Electron's rule). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
} as const;

/**
 * The file under `rootDir` that `url` names, or null when it is not ours or escapes
 * the root (../, encoded slashes, absolute paths). "/" means index.html.
 */
export function resolveAppAsset(rootDir: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const root = resolve(rootDir);
  const file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) return null;
  if (extname(file) === '') return null;
  return file;
}

export function registerAppProtocol(protocol: Protocol, rootDir: string, fetchFile: (url: string) => Promise<Response>): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppAsset(rootDir, request.url);
    if (file === null) return new Response('Not found', { status: 404 });
    return fetchFile(pathToFileURL(file).href);
  });
}
