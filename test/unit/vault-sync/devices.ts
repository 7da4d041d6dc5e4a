/**
 * Real devices for vault-sync tests: each is a real engine on its own fake-indexeddb
 * databases (vault, sync outbox/state, inbox, audit), enrolled with its own Ed25519
 * device key on a real org server, composed exactly as the app would
 * (createSyncedDevice). Test-only argon2id cost via allowWeakKdfForTesting.
 */
import 'fake-indexeddb/auto';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createSyncedDevice, type SyncedDevice } from '../../../src/core/vault-sync/device.dexie';
import type { Database } from '../../../src/server/db/db';
import type { EffectivePolicy } from '../../../src/shared/policy';
import { enrolTestDevice, nodeFetch, nodeRandom, type TestDevice } from '../server/helpers';
import { TEST_KDF, freshDbName } from '../core/helpers';

export interface VaultDevice extends SyncedDevice {
  readonly dev: TestDevice;
}

/** `policy`: the engine's policy (default: its own personal one); a managed one for policy tests. */
export async function vaultDevice(server: { url: string; db: Database }, orgId: string, userId: string, policy?: () => EffectivePolicy): Promise<VaultDevice> {
  const dev = await enrolTestDevice(server, orgId, userId);
  const d = createSyncedDevice({
    dbName: freshDbName(),
    baseUrl: server.url,
    identity: { orgId: dev.orgId, userId: dev.userId, deviceId: dev.deviceId },
    deviceKey: dev.signer.secretKey,
    fetch: nodeFetch,
    random: nodeRandom,
    engine: { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true, ...(policy ? { policy } : {}) },
    manifestIntervalMs: 0,
  });
  return { ...d, dev };
}
