/**
 * The composition root (src/main/index.ts) run against a mocked 'electron': it turns
 * the sandbox on, registers app://, applies the session policies, opens a secure
 * window, and answers the page's port request with a MessagePort that carries a real
 * RPC call to main's services. Requests from other frames or windows get nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { ENGINE_JS_FLAGS } from '../../../src/main/app/security';
import { AppContract } from '../../../src/shared/contracts/app';
import { fromMessagePortMain } from '../../../src/shared/rpc/adapters/message-port-main.electron';
import { IPC_MAIN_PORT, IPC_REQUEST_MAIN_PORT } from '../../../src/shared/rpc/bridge';
import { connectRpc } from '../../../src/shared/rpc/rpc';
import { FakeMessagePortMain } from '../rpc/fixtures/ports';

const h = vi.hoisted(() => ({
  calls: [] as string[],
  windows: [] as Array<{
    options: { webPreferences?: Record<string, unknown> };
    webContents: { postMessage: ReturnType<typeof import('vitest').vi.fn>; mainFrame: { url: string } } & import('node:events').EventEmitter;
  }>,
  ipc: undefined as undefined | import('node:events').EventEmitter,
  protocolHandlers: new Map<string, unknown>(),
  session: { policies: [] as string[] },
  dataDir: '',
}));

// The whole of main starts for real (gateway, security keys, policy) but on a free
// port, a private socket directory and an in-memory keychain.
vi.mock('../../../src/main/keychain/keychain.keytar', async () => {
  const { createMemoryKeychain } = await import('../../../src/main/keychain/keychain.memory');
  return { createKeytarKeychain: async () => createMemoryKeychain() };
});
{
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  h.dataDir = mkdtempSync(join(tmpdir(), 'latchkey-shell-'));
  process.env['XDG_RUNTIME_DIR'] = h.dataDir;
  process.env['LATCHKEY_GATEWAY_PORT'] = '0';
}

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  const { MessageChannel: NodeChannel } = await import('node:worker_threads');
  const { FakeMessagePortMain: FakePort } = await import('../rpc/fixtures/ports');
  const ipcMain = new EventEmitter();
  h.ipc = ipcMain;
  class BrowserWindow extends EventEmitter {
    static getAllWindows = () => h.windows;
    webContents: import('node:events').EventEmitter & { postMessage: ReturnType<typeof vi.fn>; mainFrame: { url: string }; setWindowOpenHandler: ReturnType<typeof vi.fn> };
    constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
      super();
      const contents = new EventEmitter() as BrowserWindow['webContents'];
      contents.postMessage = vi.fn();
      contents.setWindowOpenHandler = vi.fn();
      contents.mainFrame = { url: 'app://latchkey/index.html' };
      this.webContents = contents;
      h.windows.push(this);
    }
    loadURL() {
      return Promise.resolve();
    }
    show() {}
  }
  class MessageChannelMain {
    port1: InstanceType<typeof FakePort>;
    port2: InstanceType<typeof FakePort>;
    constructor() {
      const ch = new NodeChannel();
      this.port1 = new FakePort(ch.port1);
      this.port2 = new FakePort(ch.port2);
    }
  }
  const listen = (name: string) => () => {
    h.session.policies.push(name);
  };
  return {
    app: {
      enableSandbox: () => h.calls.push('enableSandbox'),
      commandLine: { appendSwitch: (name: string, value?: string) => h.calls.push(`switch:${name}=${value ?? ''}`) },
      requestSingleInstanceLock: () => true,
      whenReady: () => {
        h.calls.push('whenReady');
        return Promise.resolve();
      },
      getVersion: () => '9.9.9',
      getPath: () => h.dataDir,
      getAppPath: () => process.cwd(),
      isPackaged: true,
      on: vi.fn(),
      quit: vi.fn(),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: Array<{ scheme: string }>) => h.calls.push(`registerSchemes:${schemes.map((s) => s.scheme).join(',')}`),
      handle: (scheme: string, handler: unknown) => {
        h.protocolHandlers.set(scheme, handler);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: listen('permissionRequest'),
        setPermissionCheckHandler: listen('permissionCheck'),
        setDevicePermissionHandler: listen('devicePermission'),
        webRequest: { onBeforeRequest: listen('beforeRequest'), onHeadersReceived: listen('headers') },
      },
    },
    net: { fetch: vi.fn() },
    dialog: { showErrorBox: vi.fn() },
    powerMonitor: {
      on: (event: string) => {
        h.calls.push(`powerMonitor:${event}`);
      },
    },
    Notification: class {
      static isSupported = () => false;
      show() {}
    },
    ipcMain,
    BrowserWindow,
    MessageChannelMain,
  };
});

async function started() {
  await import('../../../src/main/index');
  await vi.waitFor(() => {
    if (h.windows.length === 0) throw new Error('no window yet');
  });
  const win = h.windows[0];
  if (win === undefined || h.ipc === undefined) throw new Error('not started');
  return { win, ipc: h.ipc };
}

describe('Electron composition root', () => {
  it('enables the sandbox and registers app:// before the app is ready, then applies every session policy', async () => {
    await started();
    // The renderers' V8 zeroes freed memory and lets the engine collect at lock (ENGINE_JS_FLAGS).
    expect(h.calls.slice(0, 4)).toEqual(['enableSandbox', `switch:js-flags=${ENGINE_JS_FLAGS}`, 'registerSchemes:app', 'whenReady']);
    // Sleep and screen lock reach main's policy decision (session.lockOnSleep / lockOnScreenLock).
    expect(h.calls).toEqual(expect.arrayContaining(['powerMonitor:suspend', 'powerMonitor:lock-screen']));
    expect(h.protocolHandlers.has('app')).toBe(true);
    expect(h.session.policies.sort()).toEqual(['beforeRequest', 'devicePermission', 'headers', 'permissionCheck', 'permissionRequest']);
  });

  it('opens one sandboxed, context-isolated window with the CommonJS preload', async () => {
    const { win } = await started();
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(String(win.options.webPreferences?.preload)).toMatch(/preload[\\/]index\.cjs$/);
  });

  it("answers the page's request with a MessagePort carrying RPC to main's services", async () => {
    const { win, ipc } = await started();
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'request-0001', 'page');
    expect(win.webContents.postMessage).toHaveBeenCalledTimes(1);
    const [channel, message, ports] = win.webContents.postMessage.mock.calls[0] as [string, unknown, FakeMessagePortMain[]];
    expect(channel).toBe(IPC_MAIN_PORT);
    expect(message).toEqual({ requestId: 'request-0001' });
    const pagePort = ports[0];
    if (pagePort === undefined) throw new Error('no port');
    const app = connectRpc(fromMessagePortMain(pagePort), AppContract, { timeoutMs: 5_000 });
    await expect(app.call('app.info', {})).resolves.toMatchObject({ name: 'Latchkey', version: '9.9.9', shell: 'electron' });
    app.close();
    pagePort.close();
  });

  it('ignores port requests from a subframe, another webContents, a page that is not ours, or without a valid id', async () => {
    const { win, ipc } = await started();
    win.webContents.postMessage.mockClear();
    const stranger = { postMessage: vi.fn(), mainFrame: { url: 'app://latchkey/index.html' }, once: vi.fn() };
    const id = 'request-0002';
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: stranger, senderFrame: stranger.mainFrame }, id, 'page');
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: { url: 'app://latchkey/index.html' } }, id, 'page');
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: null }, id, 'page');
    for (const bad of [undefined, '', 'short', 'x'.repeat(65), 'has space!', { id }]) {
      ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: win.webContents.mainFrame }, bad, 'page');
    }
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: win.webContents.mainFrame }, id, 'admin');
    const original = win.webContents.mainFrame.url;
    win.webContents.mainFrame.url = 'https://evil.example/';
    ipc.emit(IPC_REQUEST_MAIN_PORT, { sender: win.webContents, senderFrame: win.webContents.mainFrame }, id, 'page');
    win.webContents.mainFrame.url = original;
    expect(stranger.postMessage).not.toHaveBeenCalled();
    expect(win.webContents.postMessage).not.toHaveBeenCalled();
  });
});
