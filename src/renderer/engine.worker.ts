/// <reference lib="webworker" />
/**
 * The engine worker: the only place in the renderer that holds the vault key.
 * Composition root for the browser: Dexie on real IndexedDB, argon2id through
 * argon2-browser (WASM, off the UI thread), Web Crypto randomness.
 *
 * It serves
 * - EngineUiContract to the page (ports[0] of the init message),
 * - EngineMainContract to main (Electron: a MessagePort in ports[1]; preview: a
 *   WebSocket it opens itself to the preview server), so a secret main asks for
 *   goes worker -> main directly and never through the page's JavaScript,
 * - EngineTransferContract (dump/load/bulk import) only in e2e builds.
 */
import { createEngine, engineMainHandlers, engineUiHandlers, forwardEngineEvents, type Engine } from '../core';
import { createBrowserArgon2Kdf } from '../core/crypto/kdf.argon2.browser';
import { createWebCryptoRandom } from '../core/crypto/random.browser';
import { createDexieStore } from '../core/store/store.dexie';
import { engineHardwareKeyHandlers } from '../core/vault/slots/hardware-key';
import { EngineMainContract, EngineUiContract } from '../shared/contracts/engine';
import { EngineHardwareKeyContract, HardwareKeyContract, hardwareKeyOverRpc, type HardwareKey } from '../shared/contracts/hardware-key';
import { LatchkeyError } from '../shared/errors';
import { fromMessagePort } from '../shared/rpc/adapters/message-port.browser';
import { openWebSocketPort } from '../shared/rpc/adapters/websocket';
import { previewRpcUrl } from '../shared/rpc/bridge';
import type { Port } from '../shared/rpc/port';
import { connectRpc, serveRpc, type RpcServer } from '../shared/rpc/rpc';
import { EngineTransferContract } from './engine/transfer-contract';
import { engineInitSchema, type EngineInit } from './engine/worker-protocol';

import { assertSlotCreationAllowed, createPolicyHolder, enginePolicyHandlers, type PolicyHolder } from '../core/policy';
import { EnginePolicyContract } from '../shared/contracts/engine-policy';

declare const self: DedicatedWorkerGlobalScope;

const E2E_BUILD = import.meta.env.MODE === 'e2e';

function buildEngine(init: EngineInit, policy: PolicyHolder) {
  const store = createDexieStore({ name: init.dbName });
  const random = createWebCryptoRandom();
  const engine = createEngine({
    store,
    policy: () => policy.current(),
    kdf: createBrowserArgon2Kdf(),
    random,
    timer: { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as number) },
  });
  return { engine, store, random };
}

/**
 * Security keys live in main (HID); the engine asks main for an hmac-secret over its
 * own connection, so the 32-byte secret goes main -> worker and never via the page.
 * Until (or unless) main is reachable, key operations fail with a typed error.
 */
function hardwareKeyViaMain(mainPort: Promise<Port | undefined>): HardwareKey {
  const key = mainPort.then((p) => (p === undefined ? undefined : hardwareKeyOverRpc(connectRpc(p, HardwareKeyContract))));
  const get = async (): Promise<HardwareKey> => {
    const k = await key.catch(() => undefined);
    if (k === undefined) throw new LatchkeyError('unsupported', 'Security keys need the Latchkey app; it could not be reached.');
    return k;
  };
  return {
    list: async () => (await get()).list(),
    enrol: async (p) => (await get()).enrol(p),
    getHmacSecret: async (p) => (await get()).getHmacSecret(p),
  };
}

function serveTransfer(port: Port, engine: Engine): void {
  serveRpc(port, EngineTransferContract, {
    'vault.dump': async () => ({ dump: await engine.dumpRecords() }),
    'vault.load': async ({ dump }) => {
      await engine.loadRecords(dump);
      return { ok: true as const };
    },
    'items.import': async ({ items }) => {
      engine.touch();
      return { items: await engine.importItems(items) };
    },
  });
}

async function openMainPort(init: EngineInit, ports: readonly MessagePort[]): Promise<Port | undefined> {
  if (init.mainLink === 'port') {
    const p = ports[1];
    if (p === undefined) throw new LatchkeyError('invalid_input', 'The engine was started without its port to main.');
    return fromMessagePort(p);
  }
  if (init.mainLink === 'websocket') {
    // purpose=engine: main connects EngineMainContract on this socket (change by rpc-shell).
    return openWebSocketPort(new WebSocket(previewRpcUrl(self.location, 'engine')));
  }
  return undefined;
}

function start(init: EngineInit, ports: readonly MessagePort[]): void {
  const uiPortRaw = ports[0];
  if (uiPortRaw === undefined) return;
  // Personal defaults until main pushes the policy it loaded and verified.
  const policy = createPolicyHolder();
  const { engine, store, random } = buildEngine(init, policy);
  const mainPortP = openMainPort(init, ports);
  const uiPort = fromMessagePort(uiPortRaw);
  const ui = serveRpc(uiPort, EngineUiContract, engineUiHandlers(engine));
  serveRpc(uiPort, EngineHardwareKeyContract, engineHardwareKeyHandlers({ engine, store, random, hardwareKey: hardwareKeyViaMain(mainPortP),
    allowKey: (facts) => assertSlotCreationAllowed(policy.current(), 'hardware_key', facts) }));
  if (E2E_BUILD) serveTransfer(uiPort, engine);
  const targets: { ui: RpcServer<typeof EngineUiContract>; main?: RpcServer<typeof EngineMainContract> } = { ui };
  forwardEngineEvents(engine, targets);
  // Main is optional for the vault itself: when it cannot be reached the person can
  // still use the vault; agents simply get no credentials.
  mainPortP.then((mainPort) => {
    if (mainPort === undefined) return;
    serveRpc(mainPort, EnginePolicyContract, enginePolicyHandlers(policy, () => engine.lock('external')));
    targets.main = serveRpc(mainPort, EngineMainContract, engineMainHandlers(engine));
  }, () => undefined);
  // If the page goes away, lock: nothing should keep keys alive without a UI.
  uiPort.onClose?.(() => engine.lock('external'));
}

const onInit = (ev: MessageEvent): void => {
  const parsed = engineInitSchema.safeParse(ev.data);
  if (!parsed.success) return;
  self.removeEventListener('message', onInit);
  start(parsed.data, ev.ports);
};
self.addEventListener('message', onInit);
