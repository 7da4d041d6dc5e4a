/**
 * The preload: the page's only bridge to main. Built as CommonJS so the renderer's
 * sandbox stays on. It exposes one tiny typed API (LatchkeyBridge) — no ipcRenderer,
 * no Node — and passes main's MessagePort to the page by window.postMessage.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, IPC_MAIN_PORT, IPC_REQUEST_MAIN_PORT, isMainPortPurpose, isMainPortRequestId, WINDOW_MESSAGE_MAIN_PORT, type LatchkeyBridge } from '../shared/rpc/bridge';

ipcRenderer.on(IPC_MAIN_PORT, (event, message: unknown) => {
  const port = event.ports[0];
  const requestId = typeof message === 'object' && message !== null ? (message as { requestId?: unknown }).requestId : undefined;
  if (port === undefined || !isMainPortRequestId(requestId)) return;
  // Posted to this window only; the page checks ev.source === window.
  const origin = window.location.origin === 'null' ? '*' : window.location.origin;
  window.postMessage({ type: WINDOW_MESSAGE_MAIN_PORT, requestId }, origin, [port]);
});

const bridge: LatchkeyBridge = {
  bridgeVersion: 1,
  // Only a well-formed id crosses to main; nothing else the page passes does.
  requestMainPort: (requestId: unknown, purpose: unknown = 'page') => {
    if (isMainPortRequestId(requestId) && isMainPortPurpose(purpose)) ipcRenderer.send(IPC_REQUEST_MAIN_PORT, requestId, purpose);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
