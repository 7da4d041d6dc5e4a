/**
 * The names that join Electron main, the preload and the renderer when main hands the
 * page its RPC port — defined once here (channel strings written in two places drift).
 *
 * Flow: the page adds a window 'message' listener, then calls
 * `window.latchkey.requestMainPort(requestId)`; the preload asks main over IPC; main
 * creates a MessageChannelMain, serves its RPC services on one end and posts the other
 * to the preload, which hands it to the page with window.postMessage (transferring the
 * port). The request id travels the whole way, so two requests in flight at once (the
 * page's own connection and the engine worker's) each get their own port.
 */

/** IPC channel: preload -> main, "give this page a fresh port to main's services". */
export const IPC_REQUEST_MAIN_PORT = 'latchkey:request-main-port';
/** IPC channel: main -> preload, carrying the MessagePort in `event.ports[0]`. */
export const IPC_MAIN_PORT = 'latchkey:main-port';
/** `data.type` of the window message that carries the port from preload to page. */
export const WINDOW_MESSAGE_MAIN_PORT = 'latchkey:main-port';

/** Name of the global the preload exposes with contextBridge. */
export const BRIDGE_GLOBAL = 'latchkey';

/** Everything the preload exposes to the page. Deliberately tiny: no generic IPC. */
export interface LatchkeyBridge {
  readonly bridgeVersion: 1;
  /**
   * Asks main for a port; it arrives as a window message
   * `{ type: WINDOW_MESSAGE_MAIN_PORT, requestId }` with the port in `ports[0]`.
   * Invalid ids (see {@link isMainPortRequestId}) are ignored.
   */
  requestMainPort(requestId: string, purpose?: MainPortPurpose): void;
}

/**
 * Who will use a port: the page (UI) or the engine worker. Main serves the same
 * services on both, and additionally connects to the engine (EngineMainContract) on an
 * 'engine' port. Both live in the same renderer process, so this is routing, not trust.
 */
export type MainPortPurpose = 'page' | 'engine';

export function isMainPortPurpose(value: unknown): value is MainPortPurpose {
  return value === 'page' || value === 'engine';
}

/** A request id: 8–64 URL-safe characters (the page uses a random UUID). */
export function isMainPortRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(value);
}

/** What main sends with the port over IPC and the preload forwards to the page. */
export interface MainPortMessage {
  requestId: string;
}

/** Query parameter of the preview RPC WebSocket that carries the {@link MainPortPurpose}. */
export const PREVIEW_PURPOSE_PARAM = 'purpose';

/** The preview server's RPC WebSocket URL for a page or worker at `location`. */
export function previewRpcUrl(location: { protocol: string; host: string }, purpose: MainPortPurpose = 'page'): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${PREVIEW_RPC_PATH}?${PREVIEW_PURPOSE_PARAM}=${purpose}`;
}

/** Path of the preview server's RPC WebSocket (src/preview/server.ts), same origin as the page. */
export const PREVIEW_RPC_PATH = '/rpc';
