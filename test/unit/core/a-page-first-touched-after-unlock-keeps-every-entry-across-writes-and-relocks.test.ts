/**
 * Issue 15: unlock builds one vault-wide index and leaves each overview page's own map
 * to be built on the first write to that page. That deferred map is a new way to be
 * wrong (a page re-sealed from an incomplete map would silently drop items), so: after
 * writes to pages first touched in this session, and a re-key that re-seals all 64, the
 * next unlock lists every item, reports nothing, and the pages match the item records.
 */
import { describe, expect, it } from 'vitest';
import type { ItemDraft } from '../../../src/shared/items';
import { makeHarness, PASSWORD } from './helpers';

const draft = (i: number): ItemDraft => ({
  overview: { kind: 'login', title: `entry ${i}`, urls: [], tags: [] },
  details: { kind: 'login', password: `pw-${i}`, customFields: [] },
});

describe('deferred per-page maps', () => {
  it('keep every entry of the page through an update, a create, a delete, a re-key and two re-unlocks', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.importItems(Array.from({ length: 300 }, (_, i) => draft(i)));
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    const before = h.engine.listItems();
    const victim = before[17]!;
    const view = await h.engine.getItem(victim.id);
    await h.engine.updateItem({ id: victim.id, baseVersion: view.version, overview: { ...view.overview, title: 'entry renamed' }, details: view.details });
    await h.engine.deleteItem(before[42]!.id);
    const added = await h.engine.createItem(draft(1000));
    h.engine.lock();

    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toBeUndefined();
    const ids = new Set(h.engine.listItems().map((i) => i.id));
    expect(ids.size).toBe(300);
    expect(ids.has(added.id) && ids.has(victim.id) && !ids.has(before[42]!.id)).toBe(true);

    await h.engine.rotateVaultKey({ currentPassword: PASSWORD });
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toBeUndefined();
    expect(new Set(h.engine.listItems().map((i) => i.id))).toEqual(ids);
    for (const id of [victim.id, added.id]) expect((await h.engine.getItem(id)).id).toBe(id);
    h.store.close();
  });
});
