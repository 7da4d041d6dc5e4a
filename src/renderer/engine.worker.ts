/// <reference lib="webworker" />
/**
 * The engine worker: the only place in the renderer that holds the vault key.
 * Composition root for the browser: Dexie on real IndexedDB, argon2id through
 * argon2-browser (WASM, off the UI thread), Web Crypto randomness.
 *
 * It serves
 * - EngineUiContract to the page (ports[0] of the init message), and on the same port
 *   EngineAuditContract: the device's signed audit log, verified here (Activity page),
 * - EngineMainContract to main (Electron: a MessagePort in ports[1]; preview: a
 *   WebSocket it opens itself to the preview server), so a secret main asks for
 *   goes worker -> main directly and never through the page's JavaScript,
 * - EngineTransferContract (dump/load/bulk import) only in e2e builds.
 */
import { createEngine, engineMainHandlers, engineUiHandlers, forwardEngineEvents, type Engine, type SyncControl } from '../core';
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
import type { Contract } from '../shared/rpc/contract';
import { connectRpc, serveRpc, type RpcContext, type RpcHandlers, type RpcServer } from '../shared/rpc/rpc';
import { buildPersonalEngine, buildSyncedEngine, deviceFromMain, type DeviceFromMain } from './engine/device-sync';
import type { AuditReader } from '../core/audit/recent';
import { EngineAuditContract, type AuditRecentResult } from '../shared/contracts/engine-audit';
import { EngineTransferContract } from './engine/transfer-contract';
import { engineInitSchema, type EngineInit } from './engine/worker-protocol';

import { assertSlotCreationAllowed, createPolicyHolder, enginePolicyHandlers, type PolicyHolder } from '../core/policy';
import { EnginePolicyContract } from '../shared/contracts/engine-policy';

declare const self: DedicatedWorkerGlobalScope;

const E2E_BUILD = import.meta.env.MODE === 'e2e';

/**
 * How long the worker waits for main to give the device identity (ms). Long enough for
 * a loaded machine: past it the engine runs without its log and refuses what it would
 * have recorded, so a slow main must not be mistaken for none.
 */
const DEVICE_WAIT_MS = 15_000;

/** No log means no audited action: the engine's audit sink refuses with main's message. */
function refusingAudit(message: string) {
  return {
    append: async (): Promise<void> => {
      throw new LatchkeyError('audit_unavailable', message);
    },
  };
}

function buildEngine(
  init: EngineInit,
  policy: PolicyHolder,
  device: DeviceFromMain,
): { engine: Engine; store: ReturnType<typeof createDexieStore>; random: ReturnType<typeof createWebCryptoRandom>; audit: AuditReader | string; sync?: SyncControl } {
  const random = createWebCryptoRandom();
  const deps = {
    policy: () => policy.current(),
    kdf: createBrowserArgon2Kdf(),
    timer: { set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (h: unknown) => clearTimeout(h as number) },
  };
  if (device.kind === 'enrolled') {
    // Enrolled: same vault and audit databases, plus outbox and inbox (key in main).
    const synced = buildSyncedEngine({ dbName: init.dbName, client: device.client, status: device.status, random, engine: deps });
    synced.startSchedule();
    return { engine: synced.engine, store: synced.store, random, audit: synced.auditReader, sync: synced.sync };
  }
  if (device.kind === 'personal') {
    // Personal: the signed audit log from vault creation, uploaded if the device enrols.
    const personal = buildPersonalEngine({ dbName: init.dbName, client: device.client, status: device.status, random, engine: deps });
    return { ...personal, random, audit: personal.auditReader };
  }
  const store = createDexieStore({ name: init.dbName });
  if (device.kind === 'broken') return { engine: createEngine({ ...deps, store, random, audit: refusingAudit(device.message) }), store, random, audit: device.message };
  // No main at all: no agent can reach this vault, and nothing here signs a log.
  const engine = createEngine({ ...deps, store, random });
  return { engine, store, random, audit: 'This window runs without the Latchkey app, so no agent can reach this vault and it keeps no signed activity log here.' };
}

function auditRecent(audit: AuditReader | string) {
  return async (p: { beforeSeq?: number | undefined; limit?: number | undefined }): Promise<AuditRecentResult> =>
    typeof audit === 'string' ? { state: 'unavailable', message: audit } : audit.recent(p);
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

/** Serves `contract` at once; each call waits until `handlers` is ready. */
function serveWhenReady<C extends Contract>(port: Port, contract: C, handlers: Promise<RpcHandlers<C>>): RpcServer<C> {
  type Untyped = Record<string, (params: unknown, ctx: RpcContext) => unknown>;
  const lazy: Untyped = {};
  for (const m of Object.keys(contract.methods)) {
    lazy[m] = async (params, ctx) => {
      const h = (await handlers) as unknown as Untyped;
      return h[m]!(params, ctx);
    };
  }
  return serveRpc(port, contract, lazy as unknown as RpcHandlers<C>);
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

async function start(init: EngineInit, ports: readonly MessagePort[]): Promise<void> {
  const uiPortRaw = ports[0];
  if (uiPortRaw === undefined) return;
  // Personal defaults until main pushes the policy it loaded and verified.
  const policy = createPolicyHolder();
  const mainPortP = openMainPort(init, ports);
  // Served the moment main is reachable, before the enrolment question below: main
  // pushes the policy as soon as the engine connects and that push must not be missed.
  // Until the engine exists there is nothing to lock (a new engine starts locked).
  let lockEngine: () => void = () => undefined;
  let engineReady: (e: Engine) => void = () => undefined;
  const engineP = new Promise<Engine>((resolve) => {
    engineReady = resolve;
  });
  const targets: { ui?: RpcServer<typeof EngineUiContract>; main?: RpcServer<typeof EngineMainContract> } = {};
  // Main is optional for the vault itself: when it cannot be reached the person can
  // still use the vault; agents simply get no credentials. Main's calls made before
  // the engine exists wait for it rather than fail.
  mainPortP.then(
    (mainPort) => {
      if (mainPort === undefined) return;
      serveRpc(
        mainPort,
        EnginePolicyContract,
        enginePolicyHandlers(policy, () => lockEngine()),
      );
      targets.main = serveWhenReady(mainPort, EngineMainContract, engineP.then(engineMainHandlers));
    },
    () => undefined,
  );
  // The page's calls wait in its MessagePort's queue meanwhile (it is not started yet).
  // Main is asked for the device identity before the engine exists: every engine built
  // with main around signs its audit log (personal or enrolled), from vault creation.
  const device: DeviceFromMain = init.mainLink === 'none' ? { kind: 'none' } : await deviceFromMain(mainPortP, DEVICE_WAIT_MS);
  const { engine, store, random, audit, sync } = buildEngine(init, policy, device);
  lockEngine = () => engine.lock('external');
  engineReady(engine);
  const uiPort = fromMessagePort(uiPortRaw);
  const ui = serveRpc(uiPort, EngineUiContract, engineUiHandlers(engine, sync ? { sync } : {}));
  serveRpc(uiPort, EngineAuditContract, { 'audit.recent': auditRecent(audit) });
  serveRpc(
    uiPort,
    EngineHardwareKeyContract,
    engineHardwareKeyHandlers({
      engine,
      store,
      random,
      hardwareKey: hardwareKeyViaMain(mainPortP),
      allowKey: (facts) => assertSlotCreationAllowed(policy.current(), 'hardware_key', facts),
    }),
  );
  if (E2E_BUILD) serveTransfer(uiPort, engine);
  targets.ui = ui;
  forwardEngineEvents(engine, targets);
  // If the page goes away, lock: nothing should keep keys alive without a UI.
  uiPort.onClose?.(() => engine.lock('external'));
}

const onInit = (ev: MessageEvent): void => {
  const parsed = engineInitSchema.safeParse(ev.data);
  if (!parsed.success) return;
  self.removeEventListener('message', onInit);
  void start(parsed.data, ev.ports);
};
self.addEventListener('message', onInit);
