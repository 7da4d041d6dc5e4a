/**
 * src/renderer/platform/connect-main.ts in "Electron" mode, with a fake window and
 * bridge: overlapping requests (the page's connection and the engine worker's) each get
 * the port that answers their own request id, messages from other sources are ignored,
 * and without the bridge the renderer picks the preview (WebSocket) transport.
 */
import { describe, expect, it } from 'vitest';
import { mainTransport, requestMainMessagePort } from '../../../src/renderer/platform/connect-main';
import { WINDOW_MESSAGE_MAIN_PORT } from '../../../src/shared/rpc/bridge';

class FakeWindow extends EventTarget {
  requests: string[] = [];
  latchkey = {
    bridgeVersion: 1 as const,
    requestMainPort: (id: string) => {
      this.requests.push(id);
    },
  };
  setTimeout = globalThis.setTimeout.bind(globalThis) as unknown as Window['setTimeout'];
  clearTimeout = globalThis.clearTimeout.bind(globalThis) as unknown as Window['clearTimeout'];
  deliver(data: unknown, port: MessagePort, source: unknown = this): void {
    const ev = new MessageEvent('message', { data, ports: [port] });
    Object.defineProperty(ev, 'source', { value: source });
    this.dispatchEvent(ev);
  }
}

describe('renderer port to main', () => {
  it('matches each overlapping request to the port sent for its own id, ignoring foreign sources', async () => {
    const win = new FakeWindow();
    const asWindow = win as unknown as Window;
    const first = requestMainMessagePort(asWindow);
    const second = requestMainMessagePort(asWindow);
    expect(win.requests).toHaveLength(2);
    expect(new Set(win.requests).size).toBe(2);
    const [id1, id2] = win.requests as [string, string];
    const a = new MessageChannel();
    const b = new MessageChannel();
    const evil = new MessageChannel();
    win.deliver({ type: WINDOW_MESSAGE_MAIN_PORT, requestId: id2 }, evil.port1, { not: 'this window' });
    win.deliver({ type: WINDOW_MESSAGE_MAIN_PORT, requestId: id2 }, b.port1);
    win.deliver({ type: WINDOW_MESSAGE_MAIN_PORT, requestId: id1 }, a.port1);
    expect(await first).toBe(a.port1);
    expect(await second).toBe(b.port1);
    for (const c of [a, b, evil]) {
      c.port1.close();
      c.port2.close();
    }
  });

  it('uses the preview transport when there is no preload bridge (or a malformed one)', () => {
    expect(mainTransport(new FakeWindow() as unknown as Window)).toBe('electron');
    const bare = new EventTarget() as unknown as Window;
    expect(mainTransport(bare)).toBe('preview');
    const fake = Object.assign(new EventTarget(), { latchkey: { requestMainPort: 'nope' } }) as unknown as Window;
    expect(mainTransport(fake)).toBe('preview');
  });
});
