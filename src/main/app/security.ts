/**
 * Electron's secure defaults, as pure functions over the objects they configure so
 * test/unit/shell can check them with fakes (only type imports from 'electron').
 *
 * Threats closed here: a compromised or confused renderer reaching Node (sandbox,
 * contextIsolation, no nodeIntegration), loading or navigating to remote content
 * (CSP, request filter, navigation guards), opening windows, and being granted
 * device, camera, notification… permissions.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../../shared/csp';

/**
 * V8 flags for the renderer processes, where the engine worker holds the vault key:
 * --clear-free-memory makes every garbage collection zero what it frees (libraries
 * leave short-lived copies of keys as garbage no wipe of ours reaches), and
 * --expose-gc lets the engine run that collection at lock (collectFreedKeyCopies in
 * src/core/crypto/bytes.ts) instead of leaving the copies until the next one.
 * test/unit/core/no-key-material-survives-lock-… runs its engine process with these.
 */
export const ENGINE_JS_FLAGS = '--clear-free-memory --expose-gc';

/** The custom scheme the packaged renderer is served from (see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'latchkey';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false, // shown on 'ready-to-show' to avoid a white flash
    title: 'Latchkey',
    webPreferences: secureWebPreferences(preloadPath),
  };
}

/**
 * Whether the renderer may load `url`. Only our own origin (and, in development, the
 * electron-vite dev server on loopback) — nothing remote.
 */
export function isAllowedRendererUrl(url: string, devServerUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  if (u.protocol === 'devtools:') return true;
  if (devServerUrl !== undefined) {
    const dev = new URL(devServerUrl);
    const loopback = dev.hostname === 'localhost' || dev.hostname === '127.0.0.1' || dev.hostname === '[::1]';
    if (loopback && (u.protocol === 'http:' || u.protocol === 'ws:') && u.host === dev.host) return true;
  }
  return false;
}

export interface SessionPolicyOptions {
  /** Set only in development (electron-vite dev); its CSP is relaxed by Vite anyway. */
  devServerUrl?: string;
}

/**
 * Denies every permission, blocks any request that is not to our own origin, and sets
 * the CSP on every response (the meta tag in index.html is a second layer).
 */
export function installSessionPolicies(ses: Session, opts: SessionPolicyOptions = {}): void {
  const csp = opts.devServerUrl === undefined ? CONTENT_SECURITY_POLICY : contentSecurityPolicy({ devServerOrigin: new URL(opts.devServerUrl).origin });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRendererUrl(details.url, opts.devServerUrl) && !details.url.startsWith('data:') && !details.url.startsWith('blob:') });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    // Drop any policy the response brought (in any letter case) so ours is the only one.
    const kept = Object.entries(details.responseHeaders ?? {}).filter(([name]) => !['content-security-policy', 'content-security-policy-report-only'].includes(name.toLowerCase()));
    callback({
      responseHeaders: {
        ...Object.fromEntries(kept),
        'Content-Security-Policy': [csp],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}

/** Navigation, redirects to elsewhere, new windows and <webview> are all refused. */
export function installNavigationGuards(contents: WebContents, devServerUrl?: string): void {
  contents.on('will-navigate', (event, url) => {
    // Reloading our own page is fine; going anywhere else is not.
    if (!isAllowedRendererUrl(url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedRendererUrl(url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
