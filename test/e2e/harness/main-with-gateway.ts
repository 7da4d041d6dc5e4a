/**
 * Main's services for the Chromium tests that need the agent gateway or security keys:
 * the app's own composition (src/main/compose.ts createAppMain), with what differs in
 * a test: a free gateway port and no bridge socket, keys from a software authenticator,
 * an in-memory keychain and store, and the personal policy (no managed files).
 */
import { createAppMain, type AppMain } from '../../../src/main/compose';
import type { FidoService } from '../../../src/main/fido/service';
import type { FidoDiscovery } from '../../../src/main/fido/transport';
import type { Gateway } from '../../../src/main/gateway';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { inMemoryPolicySerials, PolicyService } from '../../../src/main/policy';
import type { MainServices } from '../../../src/main/services';
import type { EngineMainContract } from '../../../src/shared/contracts/engine';
import type { RpcClient } from '../../../src/shared/rpc/rpc';

type EngineMain = RpcClient<typeof EngineMainContract>;

export interface MainWithGateway {
  services: MainServices;
  gateway: Gateway;
  fido: FidoService;
  /** Org-server enrolment (main's device service). */
  device: AppMain['device'];
  /** The engine worker's connection, once a page's worker connected. */
  engine(): EngineMain | null;
  close(): Promise<void>;
}

const noKeys: FidoDiscovery = { list: async () => [] };

/**
 * `policy`: a started PolicyService the test owns (and closes); default: no managed files.
 * `unlockWaitMs`: how long an agent's call waits for the person to unlock (default 0: fail at once).
 * `openBrowser`: what opens an IdP's sign-in page (sign-in enrolment); default none.
 */
export async function mainWithGateway(
  opts: { fidoDiscovery?: FidoDiscovery; policy?: PolicyService; unlockWaitMs?: number; openBrowser?: (url: string) => Promise<void> } = {},
): Promise<MainWithGateway> {
  const ownPolicy = opts.policy === undefined;
  const policy = opts.policy ?? new PolicyService({ managedDir: null, osPolicyPath: null, serials: inMemoryPolicySerials(), watch: false });
  if (ownPolicy) await policy.start();
  const app = await createAppMain({
    shell: 'preview',
    version: '0.0.0-e2e',
    keychain: createMemoryKeychain(),
    dataDir: null,
    fidoDiscovery: opts.fidoDiscovery ?? noKeys,
    policy,
    gateway: { port: 0, socketPath: null, unlockWaitMs: opts.unlockWaitMs ?? 0 },
    ...(opts.openBrowser === undefined ? {} : { openBrowser: opts.openBrowser }),
  });
  return {
    services: app.services,
    gateway: app.gateway,
    fido: app.fido,
    device: app.device,
    engine: app.engine,
    async close() {
      await app.close();
      if (ownPolicy) policy.close();
    },
  };
}
