/**
 * The whole of main, composed once for both shells: Electron (src/main/index.ts) and
 * the preview server (src/preview/serve.ts). Plain constructors, no Electron import;
 * what differs between the shells (keychain, where state lives, notifications, the
 * HID discovery) comes in as arguments.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createDeviceService, type DeviceService } from './device';
import { createEngineLink, type EngineLink } from './engine-link';
import { createFidoService, type FidoService } from './fido/service';
import { fidoApprovalAuthenticator } from './gateway/approval-touch';
import type { FidoDiscovery } from './fido/transport';
import { createFileGatewayStore, createGateway, createMemoryGatewayStore, loadOrCreateTokenKey, type Gateway, type GatewayOptions, type Notifier } from './gateway';
import { policyChangeAuditEvent, pushPolicyTo, type EnginePolicyLink, type PolicyService } from './policy';
import { loadOrCreateDeviceCa } from './proxy/ca';
import type { Keychain } from './keychain/keychain';
import { createMainServices, type MainServices, type MainServicesDeps } from './services';

export interface AppMainOptions {
  shell: MainServicesDeps['shell'];
  version: string;
  keychain: Keychain;
  /** Where paired agents and grants persist; null keeps them in memory (preview). */
  dataDir: string | null;
  /** Where security keys are found: node-hid in the app, a software key in tests. */
  fidoDiscovery: FidoDiscovery;
  /** Loaded and watching; every decision reads its current() policy (fail closed when invalid). */
  policy: PolicyService;
  gateway?: GatewayOptions;
  notify?: Notifier;
  /** Opens an IdP's sign-in page in the person's browser, for sign-in enrolment (docs/identity.md §3.2). */
  openBrowser?: (url: string) => Promise<void>;
  onUnexpectedError?: MainServicesDeps['onUnexpectedError'];
}

export interface AppMain {
  readonly services: MainServices;
  readonly gateway: Gateway;
  readonly fido: FidoService;
  /** This device's org-server enrolment (inert until enrolled). */
  readonly device: DeviceService;
  /** The engine worker's connection, once a window's engine connected. */
  readonly engine: EngineLink['current'];
  /** The OS reported sleep or a screen lock: every open vault locks if policy says so. */
  sessionEvent(event: 'sleep' | 'screen_lock'): void;
  close(): Promise<void>;
}

export async function createAppMain(opts: AppMainOptions): Promise<AppMain> {
  const policyLinks = new Set<EnginePolicyLink>();
  const engineLink = createEngineLink({
    onAttach: (port) => {
      const link = pushPolicyTo(port, opts.policy);
      policyLinks.add(link);
      return () => {
        policyLinks.delete(link);
        link.close();
      };
    },
  });
  const fido = createFidoService({ discovery: opts.fidoDiscovery, random: (n) => new Uint8Array(randomBytes(n)), policy: () => opts.policy.current() });
  const gateway = await createGateway({
    credentials: engineLink.credentials,
    // Touch to approve: the same FIDO service the UI and engine use (one device, one operation at a time).
    securityKey: fidoApprovalAuthenticator(fido),
    audit: engineLink.audit,
    store: opts.dataDir === null ? createMemoryGatewayStore() : createFileGatewayStore(path.join(opts.dataDir, 'gateway.json')),
    tokenKey: await loadOrCreateTokenKey(opts.keychain),
    policy: () => opts.policy.current(),
    ...(opts.notify === undefined ? {} : { notify: opts.notify }),
    // Agents' commands get placeholders, not secrets: proxy mode with the per-device CA from the keychain.
    options: { runProxy: { ca: () => loadOrCreateDeviceCa(opts.keychain) }, ...opts.gateway },
    ...(opts.onUnexpectedError === undefined ? {} : { onError: (err: unknown) => opts.onUnexpectedError?.(err, 'gateway') }),
  });
  // Revocations the person makes need the unlocked vault and are recorded in the open engine's signed audit log.
  const device = createDeviceService({
    keychain: opts.keychain,
    policy: () => opts.policy.current(),
    audit: engineLink.audit,
    vaultUnlocked: async () => (await engineLink.credentials.state()) === 'unlocked',
    ...(opts.openBrowser === undefined ? {} : { openBrowser: opts.openBrowser }),
  });
  const services = createMainServices({
    shell: opts.shell,
    version: opts.version,
    keychain: opts.keychain,
    engineLink,
    gateway,
    fido,
    device,
    policy: opts.policy,
    ...(opts.onUnexpectedError === undefined ? {} : { onUnexpectedError: opts.onUnexpectedError }),
  });
  // A replaced policy file is recorded; with no engine open there is no log to write to
  // yet, and the engine records the policy it unlocks under.
  const offPolicy = opts.policy.onChange((event) => {
    void Promise.resolve(engineLink.audit.append(policyChangeAuditEvent(event))).catch(() => undefined);
  });
  await gateway.start();
  return {
    services,
    gateway,
    fido,
    device,
    engine: engineLink.current,
    sessionEvent(event) {
      for (const link of policyLinks) link.onSessionEvent(event);
    },
    async close() {
      offPolicy();
      await services.close();
      device.close();
      await gateway.close();
    },
  };
}
