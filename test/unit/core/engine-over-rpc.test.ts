/**
 * The engine behind its RPC contracts over a real port (Node MessageChannel through
 * the worker_threads adapter): typed results, typed errors, events, and malformed
 * requests refused without harming the engine.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { engineMainHandlers, engineUiHandlers, forwardEngineEvents } from '../../../src/core';
import { EngineMainContract, EngineUiContract } from '../../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { apiDraft, expectCode, makeHarness, PASSWORD } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function wire() {
  const h = makeHarness();
  const ch = new MessageChannel();
  const serverPort = fromNodeMessagePort(ch.port1);
  const clientPort = fromNodeMessagePort(ch.port2);
  const ui = serveRpc(serverPort, EngineUiContract, engineUiHandlers(h.engine));
  const main = serveRpc(serverPort, EngineMainContract, engineMainHandlers(h.engine));
  const unsub = forwardEngineEvents(h.engine, { ui, main });
  const uiClient = connectRpc(clientPort, EngineUiContract);
  const mainClient = connectRpc(clientPort, EngineMainContract);
  cleanups.push(() => {
    unsub();
    uiClient.close();
    mainClient.close();
    ui.close();
    main.close();
    ch.port1.close();
    ch.port2.close();
  });
  return { h, uiClient, mainClient };
}

describe('engine over RPC', () => {
  it('serves the UI and main contracts, with events', async () => {
    const { uiClient, mainClient } = wire();
    const locked: string[] = [];
    uiClient.on('locked', (e) => locked.push(e.reason));
    const { recoveryCode } = await uiClient.call('vault.create', { password: PASSWORD });
    expect(recoveryCode).toHaveLength(34);
    const { item } = await uiClient.call('item.create', { item: apiDraft() });
    expect((await uiClient.call('items.search', { query: 'github' })).items.map((i) => i.id)).toEqual([item.id]);
    const view = await uiClient.call('item.get', { id: item.id });
    expect(view.item.details).toMatchObject({ kind: 'api_credential', secret: null });
    expect((await uiClient.call('item.reveal', { id: item.id, field: 'secret', purpose: 'copy' })).value).toBe('ghp_supersecrettokenvalue');
    const creds = await mainClient.call('credentials.list', {});
    expect(creds.credentials.map((c) => c.id)).toEqual([item.id]);
    expect((await mainClient.call('credentials.use', { itemId: item.id })).secret).toBe('ghp_supersecrettokenvalue');
    await uiClient.call('vault.lock', {});
    await expectCode(mainClient.call('credentials.list', {}), 'vault_locked');
    await expectCode(uiClient.call('vault.unlockWithPassword', { password: 'wrong password' }), 'wrong_password');
    await uiClient.call('vault.unlockWithRecoveryCode', { recoveryCode });
    expect(locked).toEqual(['user']);
  });

  it('refuses malformed params with a typed error and keeps serving', async () => {
    const { uiClient } = wire();
    await uiClient.call('vault.create', { password: PASSWORD });
    const bad = [
      ['item.create', { item: { overview: { kind: 'rocket', title: 'x', urls: [], tags: [] }, details: {} } }],
      ['item.create', { item: { overview: { kind: 'api_credential', title: 'x', urls: [], tags: [] }, details: { kind: 'api_credential', secret: 's', customFields: [] } } }],
      ['item.get', { id: '../../etc/passwd' }],
      ['item.reveal', { id: 'A'.repeat(22), field: 'constructor', purpose: 'reveal' }],
      ['vault.create', { password: 'short' }],
    ] as const;
    for (const [method, params] of bad) {
      const err = await (uiClient.call as (m: string, p: unknown) => Promise<unknown>)(method, params).then(
        () => null,
        (e: { code?: string }) => e.code,
      );
      expect(['invalid_input', 'rpc_malformed']).toContain(err);
    }
    expect((await uiClient.call('vault.status', {})).state).toBe('unlocked');
  });
});
