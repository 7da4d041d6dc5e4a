/**
 * The hardware-key contract served by main's service over a real MessageChannel port:
 * bytes survive, 'pin-needed' and 'done' events reach the client, the PIN is answered
 * over RPC, and errors arrive as typed LatchkeyErrors with their details.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EngineHardwareKeyContract, HardwareKeyContract, hardwareKeyOverRpc } from '../../../src/shared/contracts/hardware-key';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { engineHardwareKeyHandlers } from '../../../src/core/vault/slots/hardware-key';
import { makeHarness, PASSWORD } from '../core/helpers';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import type { Port } from '../../../src/shared/rpc/port';
import { LatchkeyError } from '../../../src/shared/errors';
import { createFidoService, forwardHardwareKeyEvents, hardwareKeyHandlers } from '../../../src/main/fido/service';
import { softDiscovery } from '../../fido/soft-transport';
import { makeKey, random } from './helpers';

describe('hardware-key contract over RPC', () => {
  it('enrols and returns the hmac-secret through a port, with PIN prompts answered over RPC', async () => {
    const key = makeKey('rpc');
    const service = createFidoService({ discovery: softDiscovery([key]), random, touchTimeoutMs: 2_000, shortTimeoutMs: 300 });
    await service.setPin('8642');
    const ch = new MessageChannel();
    const server = serveRpc(fromNodeMessagePort(ch.port1), HardwareKeyContract, hardwareKeyHandlers(service));
    const unsub = forwardHardwareKeyEvents(service, server);
    const client = connectRpc(fromNodeMessagePort(ch.port2), HardwareKeyContract);
    const seen: string[] = [];
    let pins = ['0000', '8642'];
    client.on('pin-needed', (p) => {
      seen.push(`pin-needed:${p.retriesLeft}:${p.retry}`);
      void client.call('pin.answer', { requestId: p.requestId, pin: pins.shift()! });
    });
    client.on('done', () => seen.push('done'));
    try {
      const hk = hardwareKeyOverRpc(client);
      expect((await hk.list()).map((d) => d.transport)).toEqual(['software']);
      const e = await hk.enrol({ name: 'Over RPC', userId: random(16), uv: 'required' });
      expect(e.credentialId).toBeInstanceOf(Uint8Array);
      const salt = random(32);
      const a = await hk.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: true });
      pins = ['8642'];
      const b = await hk.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: true });
      expect(a.secret).toBeInstanceOf(Uint8Array);
      expect(b.secret).toEqual(a.secret);
      expect(seen).toEqual(['pin-needed:8:false', 'pin-needed:7:true', 'done', 'done', 'pin-needed:8:false', 'done']);

      const err = await hk.getHmacSecret({ credentialIds: [random(32)], salt, uv: false }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(LatchkeyError);
      expect((err as LatchkeyError).code).toBe('fido_not_enrolled');
      await expect(client.call('pin.answer', { requestId: 'nobody', pin: '1234' })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      unsub();
      client.close();
      server.close();
      ch.port1.close();
      ch.port2.close();
    }
  });

  it('UI -> engine -> main: enrol, list, rename and unlock over two ports; the secret never reaches the UI connection', async () => {
    const key = makeKey('chain');
    const service = createFidoService({ discovery: softDiscovery([key]), random, touchTimeoutMs: 2_000, shortTimeoutMs: 300 });
    const mainCh = new MessageChannel(); // engine <-> main
    const uiCh = new MessageChannel(); // UI <-> engine
    const uiTraffic: unknown[] = [];
    const mainServer = serveRpc(fromNodeMessagePort(mainCh.port1), HardwareKeyContract, hardwareKeyHandlers(service));
    const unsub = forwardHardwareKeyEvents(service, mainServer);
    const toMain = connectRpc(fromNodeMessagePort(mainCh.port2), HardwareKeyContract);
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const engineServer = serveRpc(
      fromNodeMessagePort(uiCh.port1),
      EngineHardwareKeyContract,
      engineHardwareKeyHandlers({
        engine: h.engine,
        store: h.store,
        hardwareKey: hardwareKeyOverRpc(toMain),
        random: createWebCryptoRandom(),
      }),
    );
    // The UI's end of the port, recording everything that reaches the UI.
    const raw = fromNodeMessagePort(uiCh.port2);
    const tapped: Port = {
      ...raw,
      onMessage: (fn) =>
        raw.onMessage((m) => {
          uiTraffic.push(m);
          fn(m);
        }),
    };
    const ui = connectRpc(tapped, EngineHardwareKeyContract);
    try {
      const e = await ui.call('hardwareKey.enrol', { name: 'Desk key', uv: 'discouraged' });
      expect(e.uv).toBe(false);
      await ui.call('hardwareKey.rename', { slotId: e.slotId, name: 'Desk key (blue)' });
      expect((await ui.call('hardwareKey.list', {})).keys.map((k) => k.name)).toEqual(['Desk key (blue)']);
      h.engine.lock();
      const r = await ui.call('hardwareKey.unlock', {});
      expect(r.slotId).toBe(e.slotId);
      expect(h.engine.isUnlocked()).toBe(true);
      await expect(ui.call('hardwareKey.rename', { slotId: 'nope', name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      unsub();
      ui.close();
      toMain.close();
      engineServer.close();
      mainServer.close();
      for (const p of [mainCh.port1, mainCh.port2, uiCh.port1, uiCh.port2]) p.close();
    }
    const bytesSeen = JSON.stringify(uiTraffic, (_k, v: unknown) => (v instanceof Uint8Array ? `BYTES${v.length}` : v));
    expect(uiTraffic.length).toBeGreaterThan(0);
    expect(bytesSeen).not.toContain('BYTES');
  });
});
