/**
 * How the renderer reaches main's RPC services: in Electron through the port the
 * preload hands over (window.latchkey), in preview mode through a WebSocket to the
 * preview server on the page's own origin (its access cookie rides along).
 * Callers use the Port with connectRpc(port, SomeContract) and never see which.
 */
import { LatchkeyError } from '../../shared/errors';
import { fromMessagePort } from '../../shared/rpc/adapters/message-port.browser';
import { openWebSocketPort } from '../../shared/rpc/adapters/websocket';
import { BRIDGE_GLOBAL, previewRpcUrl, WINDOW_MESSAGE_MAIN_PORT, type LatchkeyBridge, type MainPortPurpose } from '../../shared/rpc/bridge';
import type { Port } from '../../shared/rpc/port';

/** How long to wait for main's port before giving up (ms). */
const CONNECT_TIMEOUT_MS = 15_000;

export type MainTransport = 'electron' | 'preview';

export function mainTransport(win: Window = window): MainTransport {
  return bridgeOf(win) === undefined ? 'preview' : 'electron';
}

function bridgeOf(win: Window): LatchkeyBridge | undefined {
  const candidate = (win as unknown as Record<string, unknown>)[BRIDGE_GLOBAL];
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const b = candidate as Partial<LatchkeyBridge>;
  return b.bridgeVersion === 1 && typeof b.requestMainPort === 'function' ? (b as LatchkeyBridge) : undefined;
}

export function connectMain(win: Window = window): Promise<Port> {
  const bridge = bridgeOf(win);
  return bridge === undefined ? connectPreview(win) : requestMainMessagePort(win).then(fromMessagePort);
}

function newRequestId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Electron only: a fresh MessagePort to main's services, raw (e.g. to transfer into
 * the engine worker). Each call gets its own port, even when calls overlap.
 */
export function requestMainMessagePort(win: Window = window, purpose: MainPortPurpose = 'page'): Promise<MessagePort> {
  const bridge = bridgeOf(win);
  if (bridge === undefined) return Promise.reject(new LatchkeyError('unsupported', 'Not running inside the Latchkey app.'));
  const requestId = newRequestId();
  return new Promise((resolve, reject) => {
    const timer = win.setTimeout(() => {
      win.removeEventListener('message', onMessage);
      reject(new LatchkeyError('timeout', 'The app did not connect the window to its services. Restart Latchkey.'));
    }, CONNECT_TIMEOUT_MS);
    const onMessage = (ev: MessageEvent): void => {
      // Only the preload, posting to this very window, hands over the port.
      if (ev.source !== win) return;
      const data: unknown = ev.data;
      if (typeof data !== 'object' || data === null) return;
      const msg = data as { type?: unknown; requestId?: unknown };
      if (msg.type !== WINDOW_MESSAGE_MAIN_PORT || msg.requestId !== requestId) return;
      const port = ev.ports[0];
      if (port === undefined) return;
      win.clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      resolve(port);
    };
    win.addEventListener('message', onMessage);
    bridge.requestMainPort(requestId, purpose);
  });
}

async function connectPreview(win: Window): Promise<Port> {
  const socket = new WebSocket(previewRpcUrl(win.location, 'page'));
  try {
    return await openWebSocketPort(socket);
  } catch {
    throw new LatchkeyError('rpc_closed', 'Could not reach the preview server. Is `npm run preview` still running, and did you open the URL it printed (with its token)?');
  }
}
