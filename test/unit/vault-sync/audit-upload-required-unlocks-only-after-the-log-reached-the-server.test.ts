/**
 * Policy "audit upload required" on an enrolled device, end to end: a real synced
 * engine (createSyncedDevice, as the app composes it) and a real org server. Unlock is
 * refused while this device's log has not reached the server, allowed after a sync
 * pass uploaded it (even one run while the vault is locked), and refused again once the
 * interval has passed without an upload.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createSyncedDevice } from '../../../src/core/vault-sync/device.dexie';
import type { EffectivePolicy } from '../../../src/shared/policy';
import { PASSWORD, TEST_KDF, freshDbName } from '../core/helpers';
import { managed } from '../policy/helpers';
import { enrolTestDevice, newTenant, nodeFetch, nodeRandom, useTestServer } from '../server/helpers';

const env = useTestServer();

describe('audit upload required, on a device enrolled with the org server', () => {
  it('refuses unlock until the log reached the server, then allows it until the interval runs out', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    let now = Date.now();
    const policy: EffectivePolicy = managed({ audit: { uploadRequired: true, uploadIntervalMinutes: 60 } });
    const d = createSyncedDevice({
      dbName: freshDbName(),
      baseUrl: env.server.url,
      identity: { orgId: dev.orgId, userId: dev.userId, deviceId: dev.deviceId },
      deviceKey: dev.signer.secretKey,
      fetch: nodeFetch,
      random: nodeRandom,
      clock: { now: () => now },
      engine: { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true, policy: () => policy, clock: { now: () => now } },
      manifestIntervalMs: 0,
    });
    await d.engine.createVault(PASSWORD);
    d.engine.lock();

    await expect(d.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({
      code: 'policy_forbidden',
      details: { rule: 'audit.uploadRequired' },
      message: expect.stringMatching(/never uploaded/),
    });

    // A sync pass while locked uploads the log (the vault part may have nothing to do).
    await d.vaultSync.sync().catch(() => undefined);
    await expect(d.engine.unlockWithPassword(PASSWORD)).resolves.toBeTruthy();

    d.engine.lock();
    now += 61 * 60_000;
    await expect(d.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_forbidden', details: { rule: 'audit.uploadRequired' } });
    d.close();
  });
});
