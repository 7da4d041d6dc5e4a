/**
 * src/main/services.ts, the Node-only composition shared by Electron and preview:
 * every renderer connection gets main's contracts; an engine connection is also handed
 * to onEnginePort (where the lead wires EngineMainContract for the gateway); closing
 * the port or the services disposes everything.
 */
import { describe, expect, it, vi } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { createMainServices } from '../../../src/main/services';
import { AppContract } from '../../../src/shared/contracts/app';
import { connectRpc } from '../../../src/shared/rpc/rpc';
import { nodeMessageChannelPair } from '../rpc/fixtures/ports';

describe('main services', () => {
  it('serve app.info on page connections and hand engine connections to onEnginePort', async () => {
    const stopEngine = vi.fn();
    const onEnginePort = vi.fn(() => stopEngine);
    const services = createMainServices({ shell: 'preview', version: '1.2.3', platform: 'linux', keychain: createMemoryKeychain(), onEnginePort });
    const page = nodeMessageChannelPair();
    const engine = nodeMessageChannelPair();
    services.serveRenderer(page.a, 'page');
    services.serveRenderer(engine.a, 'engine');
    expect(onEnginePort).toHaveBeenCalledTimes(1);
    expect(onEnginePort).toHaveBeenCalledWith(engine.a);
    for (const p of [page, engine]) {
      const app = connectRpc(p.b, AppContract, { timeoutMs: 5_000 });
      await expect(app.call('app.info', {})).resolves.toEqual({ name: 'Latchkey', version: '1.2.3', shell: 'preview', platform: 'linux' });
      app.close();
    }
    await services.close();
    expect(stopEngine).toHaveBeenCalledTimes(1);
    // Nothing serves the port any more: a call gets no answer.
    const after = connectRpc(page.b, AppContract, { timeoutMs: 50 });
    await expect(after.call('app.info', {})).rejects.toMatchObject({ code: 'timeout' });
    await page.dispose();
    await engine.dispose();
  });

  it('dispose a connection when its port closes', async () => {
    const stopEngine = vi.fn();
    const services = createMainServices({ shell: 'electron', version: '1', keychain: createMemoryKeychain(), onEnginePort: () => stopEngine });
    const engine = nodeMessageChannelPair();
    services.serveRenderer(engine.a, 'engine');
    engine.b.close();
    await vi.waitFor(() => expect(stopEngine).toHaveBeenCalledTimes(1));
  });
});
