/**
 * Main's services, composed with plain constructors and no Electron: the Electron
 * shell (src/main/index.ts) and the preview server (src/preview) both build them here
 * and attach every renderer connection with {@link MainServices.serveRenderer}.
 *
 * To add a service (gateway, fido, policy…): take its dependencies in
 * {@link MainServicesDeps} or construct it in createMainServices, and add one
 * serveRpc(...) line in serveRenderer for each contract it offers the renderer.
 */
import { AppContract, type AppInfo } from '../shared/contracts/app';
import { DeviceEngineContract, DevicePageContract } from '../shared/contracts/device';
import { deviceEngineHandlers, devicePageHandlers, type DeviceService } from './device';
import { HardwareKeyContract } from '../shared/contracts/hardware-key';
import type { EngineLink } from './engine-link';
import { forwardHardwareKeyEvents, hardwareKeyHandlers, type FidoService } from './fido/service';
import { serveGatewayUi, type Gateway } from './gateway';
import type { MainPortPurpose } from '../shared/rpc/bridge';
import type { Port } from '../shared/rpc/port';
import { serveRpc } from '../shared/rpc/rpc';
import type { Keychain } from './keychain/keychain';
import { servePolicyUi, type PolicyService } from './policy';

export interface MainServicesDeps {
  shell: AppInfo['shell'];
  version: string;
  /** OS keychain (keytar) in Electron; in-memory in preview and tests. */
  keychain: Keychain;
  /** Defaults to process.platform. */
  platform?: string;
  /**
   * Called for each connection from the engine worker (purpose 'engine'), e.g. to
   * connectRpc(port, EngineMainContract) for the gateway. Returns its own disposer.
   */
  onEnginePort?: (port: Port) => (() => void) | void;
  /** The engine worker's connection, for the gateway (see ./engine-link). */
  engineLink?: EngineLink;
  /** The agent gateway: its UI contract is served to the page. */
  gateway?: Gateway;
  /** Security keys: served to the engine (hmac-secret) and the page (PIN, touch prompts). */
  fido?: FidoService;
  /** Org-server enrolment: status/enrol to the page; status/sign/server fetch to the engine. */
  device?: DeviceService;
  /** The policy in force: shown to the page (locked settings, why the vault stays shut). */
  policy?: PolicyService;
  /** Where unexpected (non-LatchkeyError) handler failures are logged. Never forwarded. */
  onUnexpectedError?: (err: unknown, method: string) => void;
}

export interface MainServices {
  readonly keychain: Keychain;
  /**
   * Serves main's contracts on one renderer connection (the page's, or the engine
   * worker's when purpose is 'engine'); returns its disposer.
   */
  serveRenderer(port: Port, purpose?: MainPortPurpose): () => void;
  /** Closes every connection served so far. */
  close(): Promise<void>;
}

export function createMainServices(deps: MainServicesDeps): MainServices {
  const info: AppInfo = {
    name: 'Latchkey',
    version: deps.version,
    shell: deps.shell,
    platform: deps.platform ?? process.platform,
  };
  const connections = new Set<() => void>();
  const serveOpts = deps.onUnexpectedError === undefined ? {} : { onUnexpectedError: deps.onUnexpectedError };

  return {
    keychain: deps.keychain,
    serveRenderer(port, purpose = 'page') {
      const servers: Array<{ close(): void }> = [];
      servers.push(
        serveRpc(
          port,
          AppContract,
          {
            'app.info': () => info,
          },
          serveOpts,
        ),
      );
      if (deps.fido !== undefined) {
        const keys = serveRpc(port, HardwareKeyContract, hardwareKeyHandlers(deps.fido), serveOpts);
        servers.push(keys);
        // Touch and PIN prompts go to the page, where the person is.
        if (purpose === 'page') servers.push({ close: forwardHardwareKeyEvents(deps.fido, keys) });
      }
      if (purpose === 'page' && deps.gateway !== undefined) servers.push(serveGatewayUi(deps.gateway, port, serveOpts));
      if (purpose === 'page' && deps.policy !== undefined) servers.push(servePolicyUi(deps.policy, port, serveOpts));
      if (deps.device !== undefined) {
        servers.push(
          purpose === 'engine'
            ? serveRpc(port, DeviceEngineContract, deviceEngineHandlers(deps.device), serveOpts)
            : serveRpc(port, DevicePageContract, devicePageHandlers(deps.device), serveOpts),
        );
      }
      if (purpose === 'engine') {
        if (deps.engineLink !== undefined) servers.push({ close: deps.engineLink.attach(port) });
        const stop = deps.onEnginePort?.(port);
        if (stop !== undefined) servers.push({ close: stop });
      }
      let open = true;
      const dispose = (): void => {
        if (!open) return;
        open = false;
        connections.delete(dispose);
        for (const s of servers) s.close();
      };
      connections.add(dispose);
      port.onClose?.(dispose);
      return dispose;
    },
    async close() {
      for (const d of [...connections]) d();
    },
  };
}
