/**
 * The JSON dump round-trips a vault between stores (the Node half of the Node <->
 * Chromium test), and a database written by Dexie schema v1 (before overview pages)
 * upgrades in place and opens with every item.
 */
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { dumpToRecords } from '../../../src/core/store/dump';
import { createDexieStore, DEXIE_SCHEMA_VERSION } from '../../../src/core/store/store.dexie';
import { verifyDumpInNode, writeNodeVault } from './cross-runtime-fixture';
import { expectCode, freshDbName, loginDraft, makeHarness, PASSWORD } from './helpers';

describe('dump -> load -> unlock', () => {
  it('a dumped vault, carried as JSON text, loads into another store and unlocks with every item intact', async () => {
    const fx = await writeNodeVault();
    const text = JSON.stringify(fx.dump);
    expect(text).not.toContain('secret-0'); // nothing in clear
    await verifyDumpInNode(JSON.parse(text), fx.password, fx.expected);
  });

  it('the recovery code opens the loaded copy too', async () => {
    const fx = await writeNodeVault('pw-for-recovery', 1);
    const h = makeHarness();
    await h.engine.loadRecords(fx.dump);
    await h.engine.unlockWithRecoveryCode(fx.recoveryCode);
    expect(h.engine.listItems()).toHaveLength(2);
  });

  it('malformed dumps are rejected before anything is written', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(loginDraft());
    const good = await h.engine.dumpRecords();
    h.engine.lock();
    for (const bad of [
      {},
      { ...good, version: 99 },
      { ...good, items: [{ id: 'short', version: 1, key: '', overview: '', details: '' }] },
      { ...good, slots: [{ ...good.slots[0], wrappedKey: 'not base64!' }] },
    ]) {
      await expectCode(h.engine.loadRecords(bad as never), 'invalid_input');
    }
    expect(await h.engine.dumpRecords()).toEqual(good);
    await expectCode(
      Promise.resolve().then(async () => {
        await h.engine.unlockWithPassword(PASSWORD);
        await h.engine.loadRecords(good);
      }),
      'conflict',
    );
  });
});

describe('storage migration', () => {
  it(`a Dexie v1 database (no overview pages) upgrades to v${DEXIE_SCHEMA_VERSION} and its next unlock rebuilds the pages`, async () => {
    const fx = await writeNodeVault('migrate me', 2);
    const records = dumpToRecords(fx.dump);
    const name = freshDbName();
    const v1 = new Dexie(name);
    v1.version(1).stores({ meta: 'key', slots: 'id', items: 'id' });
    await v1.open();
    // A format-1 vault: no head (and, in Dexie v1, no pages).
    await v1.table('meta').bulkPut([{ ...records.meta!, formatVersion: 1 }, records.settings!]);
    await v1.table('slots').bulkPut(records.slots);
    await v1.table('items').bulkPut(records.items);
    v1.close();

    const h = makeHarness({ dbName: name });
    expect(await h.store.readPages()).toEqual([]);
    expect(await h.store.readHead()).toBeUndefined();
    await h.engine.unlockWithPassword('migrate me');
    // The migration creates the vault head from the stored records and says so, once.
    expect((await h.engine.status()).issues).toEqual([{ where: 'vault_head', id: 'vault_head', problem: 'created' }]);
    expect(await h.store.readHead()).toBeDefined();
    expect(
      h.engine
        .listItems()
        .map((i) => i.overview.title)
        .sort(),
    ).toEqual(fx.expected.map((e) => e.title).sort());
    for (const e of fx.expected) expect(await h.engine.revealField(e.id, e.field, 'reveal')).toBe(e.secret);
    expect(await h.store.readPages()).toHaveLength(64);
    // Next unlock reads the pages (no rebuild, no issue).
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword('migrate me');
    expect((await h2.engine.status()).issues).toBeUndefined();
    expect(h2.engine.listItems()).toHaveLength(fx.expected.length);
    const again = createDexieStore({ name });
    expect((await again.readPages()).length).toBe(64);
    again.close();
  });
});
