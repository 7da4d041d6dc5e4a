/**
 * Promise: "tampering is evident" (DESIGN §1), through the real engine on a real
 * IndexedDB store (Dexie over fake-indexeddb) — no doubles. Someone who can write the
 * store but does not know the password edits it while the vault is locked, exactly
 * as the independent tester did: sets format 1's `rebuildPages` flag, puts back an
 * older item record with its matching old page, an older settings record, and the
 * old password slot after a password change. The next unlock names every one.
 */
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core';
import { createWebCryptoRandom } from '../../src/core/crypto/random.browser';
import { createDexieStore } from '../../src/core/store/store.dexie';
import { createNodeArgon2Kdf } from '../../src/node/kdf.argon2.node.js';

const PASSWORD = 'promise test password';

function open(name: string) {
  const store = createDexieStore({ name });
  return {
    store,
    engine: createEngine({
      store,
      kdf: createNodeArgon2Kdf(),
      random: createWebCryptoRandom(),
      passwordKdf: { memoryKiB: 64, iterations: 1, parallelism: 1 },
      allowWeakKdfForTesting: true,
    }),
  };
}

describe('tampering with the stored vault is reported by name at unlock', () => {
  it('rebuildPages set, an older item with its old page, older settings and the old password slot: each named; the old password is refused', { timeout: 60_000 }, async () => {
    const name = `promise-tamper-${process.pid}`;
    let { store, engine } = open(name);
    const { recoveryCode } = await engine.createVault(PASSWORD);
    const item = await engine.createItem({
      overview: {
        kind: 'api_credential',
        title: 'Deploy token',
        urls: [],
        tags: [],
        description: 'ci',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://api.example.com'],
      },
      details: { kind: 'api_credential', secret: 'old-secret-value', customFields: [] },
    });
    await engine.updateSettings({ autoLockMinutes: 1 });
    engine.lock();
    store.close();

    // The attacker keeps copies of the raw IndexedDB rows...
    const raw = new Dexie(name);
    raw.version(2).stores({ meta: 'key', slots: 'id', items: 'id', pages: 'page' });
    await raw.open();
    const oldItem = await raw.table('items').get(item.id);
    const oldPages = await raw.table('pages').toArray();
    const oldSettings = await raw.table('meta').get('settings');
    const oldSlots = await raw.table('slots').toArray();
    raw.close();

    // ...the person rotates the secret, relaxes nothing, and changes the password.
    ({ store, engine } = open(name));
    await engine.unlockWithPassword(PASSWORD);
    const view = await engine.getItem(item.id);
    await engine.updateItem({ id: item.id, baseVersion: view.version, overview: view.overview, details: { kind: 'api_credential', secret: 'new-secret-value', customFields: [] } });
    await engine.updateSettings({ autoLockMinutes: 240 });
    await engine.updateSettings({ autoLockMinutes: 1 });
    await engine.changePassword(PASSWORD, 'a brand new password');
    engine.lock();
    store.close();

    // The attacker writes the old rows back, and the flag that used to skip the checks.
    await raw.open();
    const meta = await raw.table('meta').get('vault');
    await raw.table('meta').bulkPut([{ ...meta, rebuildPages: true }, oldSettings]);
    await raw.table('items').put(oldItem);
    await raw.table('pages').bulkPut(oldPages);
    await raw.table('slots').bulkPut(oldSlots);
    raw.close();

    ({ store, engine } = open(name));
    const pwSlot = oldSlots.find((s: { kind: string }) => s.kind === 'password') as { id: string };
    await expect(engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'integrity', details: { record: 'vault_head', slotId: pwSlot.id } });
    expect((await engine.status()).state).toBe('locked');

    await engine.unlockWithRecoveryCode(recoveryCode);
    const issues = (await engine.status()).issues ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        { where: 'item', id: item.id, problem: 'older' },
        { where: 'settings', id: 'settings', problem: 'older' },
        { where: 'slot', id: pwSlot.id, problem: 'older' },
      ]),
    );
    expect(issues.some((i) => i.where === 'overview_page' && i.problem === 'replayed')).toBe(true);
    // The old secret is never handed out as current.
    await expect(engine.useCredential(item.id)).rejects.toMatchObject({ code: 'not_found' });
    engine.lock();
    store.close();
  });
});
