/**
 * A vault created by a PLAIN engine (no sync outbox) before the device was enrolled is
 * uploaded whole the first time the device syncs (docs/sync-protocol.md §6.1): meta,
 * both slots, settings and every live item, so a second device can open it. The seed
 * is durable: restarting the synced device queues none of those records again.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { openDexieSyncStores } from '../../../src/core/sync/sync-store.dexie';
import { createSyncedDevice, type SyncedDevice } from '../../../src/core/vault-sync/device.dexie';
import { META_SYNC_ID, SETTINGS_SYNC_ID, itemSyncId } from '../../../src/core/vault-sync';
import { PASSWORD, TEST_KDF, apiDraft, loginDraft, makeHarness, noteDraft } from '../core/helpers';
import { enrolTestDevice, newTenant, nodeFetch, nodeRandom, useTestServer, type TestDevice } from '../server/helpers';
import { vaultDevice } from './devices';

const env = useTestServer();

function syncedOn(dbName: string, dev: TestDevice): SyncedDevice {
  return createSyncedDevice({
    dbName,
    baseUrl: env.server.url,
    identity: { orgId: dev.orgId, userId: dev.userId, deviceId: dev.deviceId },
    deviceKey: dev.signer.secretKey,
    fetch: nodeFetch,
    random: nodeRandom,
    engine: { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true },
    manifestIntervalMs: 0,
  });
}

async function serverIds(orgId: string): Promise<string[]> {
  const rows = await env.db.asOwner((sql) => sql.query<{ record_id: string }>('SELECT record_id FROM sync_records WHERE org_id = $1', [orgId]));
  return rows.map((r) => r.record_id).sort();
}

describe('a vault that existed before enrolment', () => {
  it('uploads every record once on the first sync, opens on a second device, and is not queued again after a restart', async () => {
    const t = await newTenant(env.db);
    // Device A, not enrolled yet: a plain engine writes the vault straight to IndexedDB.
    const plain = makeHarness();
    await plain.engine.createVault(PASSWORD);
    const login = await plain.engine.createItem(loginDraft('Mail'));
    const api = await plain.engine.createItem(apiDraft());
    const gone = await plain.engine.createItem(noteDraft());
    await plain.engine.deleteItem(gone.id);
    plain.engine.lock();

    // A enrols and becomes a synced device on the SAME database.
    const devA = await enrolTestDevice(env.server, t.orgId, t.userId);
    const a = syncedOn(plain.dbName, devA);
    const ra = await a.vaultSync.sync();
    expect(ra.pushed).toBe(2 + 2 + 1 + 1); // live items, password + recovery slots, settings, meta
    const ids = await serverIds(t.orgId);
    expect(ids).toEqual(expect.arrayContaining([META_SYNC_ID, SETTINGS_SYNC_ID, itemSyncId(login.id), itemSyncId(api.id)]));
    expect(ids).not.toContain(itemSyncId(gone.id)); // deleted before enrolment: nothing to send
    expect(ids.filter((id) => id.startsWith('slot:'))).toHaveLength(2);
    // A's later edits still go through the outbox as before.
    await a.engine.unlockWithPassword(PASSWORD);
    const later = await a.engine.createItem(loginDraft('Later'));
    expect((await a.vaultSync.sync()).pushed).toBe(1);
    a.close();

    // Device B pulls the vault as ciphertext and opens it with the same password.
    const b = await vaultDevice(env.server, t.orgId, t.userId);
    try {
      expect((await b.vaultSync.sync()).pulled).toBe(7);
      await b.engine.unlockWithPassword(PASSWORD);
      expect(await b.engine.revealField(login.id, 'password')).toBe('hunter2-very-secret');
      expect(await b.engine.revealField(later.id, 'password')).toBe('hunter2-very-secret');
    } finally {
      b.close();
    }

    // Restarting A: the seed flag is durable, nothing is queued or pushed again.
    const again = syncedOn(plain.dbName, devA);
    try {
      const r = await again.vaultSync.sync();
      expect(r.pushed).toBe(0);
      const stores = openDexieSyncStores(`${plain.dbName}-sync`);
      expect(await stores.queue.list()).toEqual([]);
      stores.close();
    } finally {
      again.close();
    }
  });
});
