/**
 * Every engine change is one store transaction: if any part of it fails, none of it
 * is stored and the engine's view does not move; bulk import is one transaction too.
 */
import { describe, expect, it } from 'vitest';
import type { VaultStore, WriteBatch } from '../../../src/core/store/store';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import { apiDraft, expectCode, freshDbName, loginDraft, makeHarness, PASSWORD } from './helpers';

describe('the Dexie store applies a batch wholly or not at all', () => {
  it('a batch whose last part cannot be stored leaves the earlier parts unwritten', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft());
    const rec = (await h.store.readItem(item.id))!;
    const before = await h.store.dumpRecords();
    const poisoned = { page: 1, generation: 99, envelope: () => 0 } as unknown as WriteBatch['putPages'] extends readonly (infer P)[] | undefined ? P : never;
    await expect(h.store.commit({ putItems: [{ ...rec, version: 2 }], deleteSlots: [before.slots[0]!.id], putPages: [poisoned] })).rejects.toBeDefined();
    expect(await h.store.dumpRecords()).toEqual(before);
  });
});

describe('a failed engine write changes neither the store nor the engine', () => {
  it('create, update and delete that fail at commit leave everything as it was, and later writes work', async () => {
    let failNext = false;
    const inner = createDexieStore({ name: freshDbName() });
    const store: VaultStore = {
      ...inner,
      commit: async (b) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
        return inner.commit(b);
      },
    };
    const h = makeHarness({ extra: { store } });
    await h.engine.createVault(PASSWORD);
    const kept = await h.engine.createItem(loginDraft('kept'));
    const before = await inner.dumpRecords();

    failNext = true;
    await expect(h.engine.createItem(apiDraft('lost'))).rejects.toThrow();
    const view = await h.engine.getItem(kept.id);
    failNext = true;
    await expect(h.engine.updateItem({ id: kept.id, baseVersion: view.version, overview: { ...view.overview, title: 'changed' }, details: view.details })).rejects.toThrow();
    failNext = true;
    await expect(h.engine.deleteItem(kept.id)).rejects.toThrow();

    expect(await inner.dumpRecords()).toEqual(before);
    expect(h.engine.listItems().map((i) => [i.overview.title, i.version])).toEqual([['kept', 1]]);
    expect(await h.engine.revealField(kept.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    // The in-memory page did not advance: the next write still produces a readable page.
    await h.engine.createItem(apiDraft('after'));
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toBeUndefined();
    expect(h.engine.listItems().map((i) => i.overview.title)).toEqual(['after', 'kept']);
  });
});

describe('bulk import', () => {
  it('imports many items in one transaction, each readable, pages consistent after reopen', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const drafts = Array.from({ length: 300 }, (_, i) => (i % 2 ? loginDraft(`login ${i}`) : apiDraft(`api ${i}`)));
    const created = await h.engine.importItems(drafts);
    expect(created).toHaveLength(300);
    expect(new Set(created.map((c) => c.id)).size).toBe(300);
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(PASSWORD);
    expect(h2.engine.listItems()).toHaveLength(300);
    expect((await h2.engine.status()).issues).toBeUndefined();
    const sample = created[17]!;
    expect(await h2.engine.revealField(sample.id, sample.overview.kind === 'login' ? 'password' : 'secret', 'reveal')).toMatch(/hunter2|ghp_/);
    await expectCode(h2.engine.importItems([{ overview: { kind: 'login', title: '', urls: [], tags: [] }, details: { kind: 'login', customFields: [] } }]), 'invalid_input');
    await expectCode(h2.engine.updateSettings({ autoLockMinutes: -1 }), 'invalid_input');
    expect(h2.engine.listItems()).toHaveLength(300);
  });
});
