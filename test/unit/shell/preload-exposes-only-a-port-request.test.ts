/**
 * The preload exposes exactly { bridgeVersion, requestMainPort } — no ipcRenderer, no
 * generic send — and forwards main's port to its own window only.
 */
import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, IPC_MAIN_PORT, IPC_REQUEST_MAIN_PORT, WINDOW_MESSAGE_MAIN_PORT } from '../../../src/shared/rpc/bridge';

const h = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  sent: [] as unknown[][],
  listeners: new Map<string, (event: { ports: unknown[] }, message?: unknown) => void>(),
  posted: [] as unknown[][],
}));

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => {
      h.exposed.set(key, api);
    },
  },
  ipcRenderer: {
    send: (...args: unknown[]) => {
      h.sent.push(args);
    },
    on: (channel: string, l: (event: { ports: unknown[] }, message?: unknown) => void) => {
      h.listeners.set(channel, l);
    },
  },
}));

vi.stubGlobal('window', {
  location: { origin: 'app://latchkey' },
  postMessage: (...args: unknown[]) => {
    h.posted.push(args);
  },
});

describe('preload bridge', () => {
  it('exposes one global with only the port request, which sends one fixed IPC message with a checked id', async () => {
    await import('../../../src/preload/index');
    expect([...h.exposed.keys()]).toEqual([BRIDGE_GLOBAL]);
    const api = h.exposed.get(BRIDGE_GLOBAL) as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['bridgeVersion', 'requestMainPort']);
    const request = api.requestMainPort as (...a: unknown[]) => void;
    request('abcdef0123456789');
    request('abcdef0123456789', 'engine', 'extra', 'arguments');
    request('abcdef0123456789', 'admin');
    for (const bad of [undefined, 42, '', 'short', { toString: () => 'abcdef0123456789' }, 'x'.repeat(65), '../../etc']) request(bad);
    expect(h.sent).toEqual([
      [IPC_REQUEST_MAIN_PORT, 'abcdef0123456789', 'page'],
      [IPC_REQUEST_MAIN_PORT, 'abcdef0123456789', 'engine'],
    ]);
  });

  it('hands the port from main to its own origin by window.postMessage, transferring it with its request id', async () => {
    await import('../../../src/preload/index');
    const port = { fake: 'port' };
    h.listeners.get(IPC_MAIN_PORT)?.({ ports: [port] }, { requestId: 'abcdef0123456789' });
    expect(h.posted).toEqual([[{ type: WINDOW_MESSAGE_MAIN_PORT, requestId: 'abcdef0123456789' }, 'app://latchkey', [port]]]);
    h.listeners.get(IPC_MAIN_PORT)?.({ ports: [] }, { requestId: 'abcdef0123456789' });
    h.listeners.get(IPC_MAIN_PORT)?.({ ports: [port] }, { requestId: 'no' });
    h.listeners.get(IPC_MAIN_PORT)?.({ ports: [port] }, null);
    expect(h.posted).toHaveLength(1);
  });
});
