/**
 * The Electron shell's security settings, checked without the Electron binary:
 * 'electron' is mocked and the pure functions get fakes of Session and WebContents.
 */
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveAppAsset } from '../../../src/main/app/app-protocol';
import { installNavigationGuards, installSessionPolicies, isAllowedRendererUrl, secureWindowOptions } from '../../../src/main/app/security';
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/csp';

const created = vi.hoisted(() => [] as Array<{ options: unknown; loaded: string[]; contents: { setWindowOpenHandler: unknown } }>);

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class BrowserWindow extends Emitter {
    webContents = Object.assign(new Emitter(), { setWindowOpenHandler: vi.fn() });
    loaded: string[] = [];
    constructor(readonly options: unknown) {
      super();
      created.push({ options, loaded: this.loaded, contents: this.webContents });
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    show() {}
  }
  return { BrowserWindow };
});

type Handler = (...args: never[]) => unknown;

function fakeSession() {
  const handlers: Record<string, Handler> = {};
  const session = {
    setPermissionRequestHandler: (h: Handler) => {
      handlers.request = h;
    },
    setPermissionCheckHandler: (h: Handler) => {
      handlers.check = h;
    },
    setDevicePermissionHandler: (h: Handler) => {
      handlers.device = h;
    },
    webRequest: {
      onBeforeRequest: (h: Handler) => {
        handlers.before = h;
      },
      onHeadersReceived: (h: Handler) => {
        handlers.headers = h;
      },
    },
  };
  return { session, handlers };
}

function fakeContents() {
  const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
  return contents;
}

function navigate(contents: EventEmitter, event: string, url: string): boolean {
  let prevented = false;
  contents.emit(
    event,
    {
      preventDefault: () => {
        prevented = true;
      },
    },
    url,
  );
  return prevented;
}

beforeEach(() => {
  created.length = 0;
});

describe('BrowserWindow options', () => {
  it('turn on contextIsolation, sandbox and webSecurity, and turn off Node everywhere', () => {
    const prefs = secureWindowOptions('/app/preload/index.cjs').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      webSecurity: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });

  it('createMainWindow uses them, installs the guards and loads only our own origin', async () => {
    const { createMainWindow } = await import('../../../src/main/app/window');
    createMainWindow({ preloadPath: '/p.cjs' });
    const w = created[0];
    expect(w?.options).toEqual(secureWindowOptions('/p.cjs'));
    expect(w?.loaded).toEqual(['app://latchkey/index.html']);
    expect(w?.contents.setWindowOpenHandler).toHaveBeenCalled();
  });
});

describe('session policies', () => {
  it('deny every permission request, check and device permission', () => {
    const { session, handlers } = fakeSession();
    installSessionPolicies(session as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'usb', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      (handlers.request as (...a: unknown[]) => void)({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect((handlers.check as (...a: unknown[]) => boolean)({}, permission, 'app://latchkey', {})).toBe(false);
    }
    expect((handlers.device as (...a: unknown[]) => boolean)({ deviceType: 'hid' })).toBe(false);
  });

  it('cancel any request that is not to our own origin (no remote content)', () => {
    const { session, handlers } = fakeSession();
    installSessionPolicies(session as never);
    const cancelled = (url: string): boolean => {
      let result: { cancel?: boolean } = {};
      (handlers.before as (...a: unknown[]) => void)({ url }, (r: { cancel?: boolean }) => {
        result = r;
      });
      return result.cancel === true;
    };
    expect(cancelled('app://latchkey/index.html')).toBe(false);
    expect(cancelled('app://latchkey/assets/argon2.wasm')).toBe(false);
    expect(cancelled('blob:app://latchkey/1234')).toBe(false);
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://evil/index.html', 'ws://localhost:1/']) {
      expect(cancelled(url)).toBe(true);
    }
  });

  it('replace any Content-Security-Policy a response brings with ours', () => {
    const { session, handlers } = fakeSession();
    installSessionPolicies(session as never);
    let out: { responseHeaders?: Record<string, string[]> } = {};
    (handlers.headers as (...a: unknown[]) => void)({ responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] } }, (r: typeof out) => {
      out = r;
    });
    expect(out.responseHeaders?.['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(out.responseHeaders?.['content-security-policy']).toBeUndefined();
    expect(out.responseHeaders?.['Content-Type']).toEqual(['text/html']);
  });
});

describe('Content-Security-Policy', () => {
  it('allows nothing remote, no eval or inline script; only wasm compilation and blob: workers as exceptions', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split('; ').map((d) => {
        const [k, ...v] = d.split(' ');
        return [k, v];
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
  });

  it('is relaxed for the loopback dev server only when one is given (electron-vite dev)', () => {
    const { session, handlers } = fakeSession();
    installSessionPolicies(session as never, { devServerUrl: 'http://localhost:5173/' });
    let out: { responseHeaders?: Record<string, string[]> } = {};
    (handlers.headers as (...a: unknown[]) => void)({ responseHeaders: {} }, (r: typeof out) => {
      out = r;
    });
    const csp = out.responseHeaders?.['Content-Security-Policy']?.[0] ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline' http://localhost:5173");
    expect(csp).toContain('ws://localhost:5173');
    expect(csp).not.toContain("'unsafe-eval'");
  });
});

describe('navigation guards', () => {
  it('refuse navigation and redirects anywhere but our origin, window.open and <webview>', () => {
    const contents = fakeContents();
    installNavigationGuards(contents as never);
    expect(navigate(contents, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'https://evil.example/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'app://latchkey/index.html')).toBe(false);
    expect(navigate(contents, 'will-attach-webview', 'app://latchkey/')).toBe(true);
    const openHandler = contents.setWindowOpenHandler.mock.calls[0]?.[0] as (d: { url: string }) => unknown;
    expect(openHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'app://latchkey/index.html' })).toEqual({ action: 'deny' });
  });

  it('allow the electron-vite dev server only when given, and only on loopback', () => {
    expect(isAllowedRendererUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRendererUrl('http://localhost:5173/')).toBe(false);
    expect(isAllowedRendererUrl('http://evil.example:5173/', 'http://evil.example:5173')).toBe(false);
    expect(isAllowedRendererUrl('not a url')).toBe(false);
  });
});

describe('app:// protocol', () => {
  it('maps URLs to files inside the renderer directory only', () => {
    expect(resolveAppAsset('/r', 'app://latchkey/')).toBe('/r/index.html');
    expect(resolveAppAsset('/r', 'app://latchkey/assets/a.js')).toBe('/r/assets/a.js');
    for (const url of [
      'app://latchkey/../etc/passwd',
      'app://latchkey/%2e%2e/%2e%2e/etc/passwd',
      'app://latchkey/assets/..%2F..%2Fx.js',
      'app://latchkey/a%00.js',
      'app://latchkey/a%5c..%5cb.js',
      'app://other/index.html',
      'https://latchkey/index.html',
      'app://latchkey/%E0%A4%A',
    ]) {
      const file = resolveAppAsset('/r', url);
      expect(file === null || file.startsWith('/r/')).toBe(true);
    }
    expect(resolveAppAsset('/r', 'app://other/index.html')).toBeNull();
  });
});
