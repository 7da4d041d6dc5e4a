/**
 * Main's services for the Chromium tests that need the agent gateway: the real
 * gateway (src/main/gateway, createGateway) served to the page over the preview
 * WebSocket (GatewayUiContract + its events), and its credentials read from the real
 * engine worker over the worker's own 'engine' connection (EngineMainContract).
 * This is the composition src/main/services.ts will do for the app; here it lives
 * in the test so the UI can be proven against the real services today.
 */
import { randomBytes } from 'node:crypto';
import { personalPolicy } from '../../../src/core/policy';
import { forwardHardwareKeyEvents, hardwareKeyHandlers, type FidoService } from '../../../src/main/fido/service';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type CredentialSource, type Gateway } from '../../../src/main/gateway';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { createMainServices, type MainServices } from '../../../src/main/services';
import { EngineMainContract } from '../../../src/shared/contracts/engine';
import { GatewayUiContract } from '../../../src/shared/contracts/gateway';
import { HardwareKeyContract } from '../../../src/shared/contracts/hardware-key';
import { LatchkeyError } from '../../../src/shared/errors';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { connectRpc, serveRpc, type RpcClient } from '../../../src/shared/rpc/rpc';

type EngineMain = RpcClient<typeof EngineMainContract>;

/**
 * CredentialSource over the engine worker's EngineMainContract connection: each
 * connection gets createEngineCredentialSource(client) (scrubbing included: the engine
 * scrubs results itself, 'results.scrub'); this only follows whichever is current.
 */
function engineCredentials(): CredentialSource & { attach(e: EngineMain): () => void } {
  let inner: CredentialSource | null = null;
  const engine = (): CredentialSource => {
    if (inner === null) throw new LatchkeyError('vault_locked', 'The vault is not open in any window.');
    return inner;
  };
  const handlers = { locked: new Set<() => void>(), unlocked: new Set<() => void>(), changed: new Set<() => void>() };
  const on = (set: Set<() => void>) => (h: () => void) => { set.add(h); return () => { set.delete(h); }; };
  const fire = (set: Set<() => void>) => () => { for (const h of [...set]) h(); };
  return {
    async state() { return inner === null ? 'locked' : engine().state(); },
    listCredentials: () => engine().listCredentials(),
    useCredential: (itemId, agentId) => engine().useCredential(itemId, agentId),
    scrub: (texts) => engine().scrub(texts),
    onLocked: on(handlers.locked),
    onUnlocked: on(handlers.unlocked),
    onCredentialsChanged: on(handlers.changed),
    attach(e) {
      const source = createEngineCredentialSource(e);
      inner = source;
      const offs = [source.onLocked(fire(handlers.locked)), source.onUnlocked(fire(handlers.unlocked)), source.onCredentialsChanged(fire(handlers.changed))];
      return () => {
        for (const off of offs) off();
        if (inner === source) {
          inner = null;
          fire(handlers.locked)();
        }
      };
    },
  };
}

export interface MainWithGateway {
  services: MainServices;
  gateway: Gateway;
  /** The engine worker's connection, once a page's worker connected. */
  engine(): EngineMain | null;
  close(): Promise<void>;
}

/**
 * With `fido`, main also serves the hardware-key service (a software key in tests):
 * to the engine worker (enrol / hmac-secret) and to the page (PIN answers, events).
 */
export async function mainWithGateway(opts: { fido?: FidoService } = {}): Promise<MainWithGateway> {
  let engineMain: EngineMain | null = null;
  const credentials = engineCredentials();
  const gateway = await createGateway({
    credentials,
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(DEFAULT_PERSONAL_SETTINGS),
    options: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
  await gateway.start();
  const base = createMainServices({
    shell: 'preview',
    version: '0.0.0-e2e',
    keychain: createMemoryKeychain(),
    onEnginePort: (port) => {
      const client = connectRpc(port, EngineMainContract);
      engineMain = client;
      const detach = credentials.attach(client);
      return () => { detach(); if (engineMain === client) engineMain = null; client.close(); };
    },
  });
  const services: MainServices = {
    keychain: base.keychain,
    serveRenderer(port, purpose) {
      const disposeBase = base.serveRenderer(port, purpose);
      const fido = opts.fido;
      const hk = fido === undefined ? undefined : serveRpc(port, HardwareKeyContract, hardwareKeyHandlers(fido));
      if (purpose === 'engine') return () => { hk?.close(); disposeBase(); };
      // Touch and PIN prompts go to the page, where the person is.
      const offKeys = fido === undefined || hk === undefined ? () => undefined : forwardHardwareKeyEvents(fido, hk);
      const server = serveRpc(port, GatewayUiContract, gateway.uiHandlers);
      const off = gateway.subscribe((event, payload) => { try { server.emit(event, payload); } catch { /* page gone */ } });
      const dispose = (): void => { off(); offKeys(); hk?.close(); server.close(); disposeBase(); };
      port.onClose?.(dispose);
      return dispose;
    },
    close: () => base.close(),
  };
  return {
    services,
    gateway,
    engine: () => engineMain,
    async close() {
      await services.close();
      await gateway.close();
    },
  };
}
