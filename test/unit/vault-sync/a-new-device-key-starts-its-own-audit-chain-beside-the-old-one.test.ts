/**
 * The device key can be lost and made anew (a reset OS keychain) while the browser's
 * IndexedDB keeps the old audit chain. The real personal composition
 * (createPersonalDevice on fake-indexeddb): the new key does not append to the old
 * key's chain — which the server would refuse as another device's, and which Activity
 * would report as not verifying forever — but starts its own from record 1, the old
 * chain left whole and still verifying under the old key. The same key reopened
 * continues its own chain.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createEd25519Signer, generateEd25519SecretKey } from '../../../src/core/audit';
import { createDexieAuditStore } from '../../../src/core/audit/audit-store.dexie';
import { createAuditReader } from '../../../src/core/audit/recent';
import { deviceIdForPublicKey } from '../../../src/core/sync/device-id';
import { createPersonalDevice } from '../../../src/core/vault-sync/device.dexie';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { PASSWORD, TEST_KDF, freshDbName } from '../core/helpers';
import { nodeRandom } from '../server/helpers';

const engine = { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true };

describe('a new device key and the audit chain of the old one', () => {
  it('starts its own chain beside the old one, which stays whole and verifying', async () => {
    const dbName = freshDbName();
    const oldKey = generateEd25519SecretKey();
    const oldSigner = createEd25519Signer(oldKey);
    const first = createPersonalDevice({ dbName, deviceKey: oldKey, random: nodeRandom, engine });
    await first.engine.createVault(PASSWORD);
    first.close();

    // Same key again: its chain continues.
    const again = createPersonalDevice({ dbName, deviceKey: oldKey, random: nodeRandom, engine });
    await again.engine.unlockWithPassword(PASSWORD);
    const continued = await again.auditReader.recent({});
    if (continued.state !== 'verified') throw new Error(`expected verified, got ${continued.state}`);
    expect(continued.entries.map((e) => e.action)).toEqual(['vault.unlock', 'vault.create']);
    again.close();

    const newKey = generateEd25519SecretKey();
    const fresh = createPersonalDevice({ dbName, deviceKey: newKey, random: nodeRandom, engine });
    await fresh.engine.unlockWithPassword(PASSWORD);
    const shown = await fresh.auditReader.recent({});
    expect(shown).toMatchObject({ state: 'verified', deviceId: deviceIdForPublicKey(createEd25519Signer(newKey).publicKey), total: 1 });
    if (shown.state !== 'verified') throw new Error('expected verified');
    expect(shown.entries).toEqual([expect.objectContaining({ seq: 1, action: 'vault.unlock' })]);
    const head = await fresh.audit.head();
    expect(head?.device).toBe(deviceIdForPublicKey(createEd25519Signer(newKey).publicKey));
    fresh.close();

    // The old chain: untouched, and still verifies under the old key.
    const oldStore = createDexieAuditStore({ name: `${dbName}-audit` });
    const old = await createAuditReader({ store: oldStore, deviceId: deviceIdForPublicKey(oldSigner.publicKey), publicKey: oldSigner.publicKey }).recent({});
    expect(old).toMatchObject({ state: 'verified', total: continued.total });
    oldStore.close();
  });
});
