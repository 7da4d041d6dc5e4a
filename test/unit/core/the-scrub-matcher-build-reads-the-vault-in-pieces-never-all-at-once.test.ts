/**
 * Issue 15: one read of every item record (100k records, three byte arrays each) is
 * deserialized by IndexedDB as one task of over a second in Chromium; the scrub
 * matcher's build started at unlock then held the unlock's own answer and every search
 * behind it. The build reads in pieces of at most BUILD_READ records, each piece
 * continuing after the last id of the one before, and still covers every item.
 */
import { describe, expect, it } from 'vitest';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import { REDACTED } from '../../../src/core/scrub/scrubber';
import { BUILD_READ } from '../../../src/core/vault/scrub-set';
import type { ItemDraft } from '../../../src/shared/items';
import { freshDbName, makeHarness, PASSWORD } from './helpers';

const N = BUILD_READ * 2 + 37;

function draft(i: number): ItemDraft {
  return {
    overview: { kind: 'login', title: `site ${i}`, username: `u${i}`, urls: [], tags: [] },
    details: { kind: 'login', password: `piece-test-password-${i}-${'z'.repeat(10)}`, customFields: [] },
  };
}

describe('the scrub matcher build', () => {
  it('reads the items in pieces of at most BUILD_READ records, in id order, and the matcher covers all of them', async () => {
    const store = createDexieStore({ name: freshDbName() });
    const reads: Array<{ afterId: string | null; ids: string[] }> = [];
    let whole = 0;
    const watched = {
      ...store,
      readAllItems: () => {
        whole++;
        return store.readAllItems();
      },
      readItemsAfter: async (afterId: string | null, limit: number) => {
        expect(limit).toBeLessThanOrEqual(BUILD_READ);
        const got = await store.readItemsAfter(afterId, limit);
        reads.push({ afterId, ids: got.map((r) => r.id) });
        return got;
      },
    };
    const h = makeHarness({ extra: { store: watched } });
    await h.engine.createVault(PASSWORD);
    await h.engine.importItems(Array.from({ length: N }, (_, i) => draft(i)));
    h.engine.lock();
    reads.length = 0;
    await h.engine.unlockWithPassword(PASSWORD);
    const texts = Array.from({ length: N }, (_, i) => `piece-test-password-${i}-${'z'.repeat(10)}`);
    const r = await h.engine.scrubResults(texts);
    expect(r.texts).toEqual(texts.map(() => REDACTED));

    expect(whole).toBe(0);
    expect(reads[0]!.afterId).toBeNull();
    expect(reads.length).toBe(Math.floor(N / BUILD_READ) + 1);
    for (let k = 1; k < reads.length; k++) expect(reads[k]!.afterId).toBe(reads[k - 1]!.ids.at(-1));
    const seen = reads.flatMap((x) => x.ids);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(N);
    expect(seen.sort()).toEqual((await store.readItemIds()).sort());
    store.close();
  });

  it('the store reads after an id exclusively, in id order, up to the limit', async () => {
    const store = createDexieStore({ name: freshDbName() });
    const h = makeHarness({ extra: { store } });
    await h.engine.createVault(PASSWORD);
    await h.engine.importItems(Array.from({ length: 10 }, (_, i) => draft(i)));
    const ids = (await store.readItemIds()).sort();
    expect((await store.readItemsAfter(null, 3)).map((x) => x.id)).toEqual(ids.slice(0, 3));
    expect((await store.readItemsAfter(ids[2]!, 4)).map((x) => x.id)).toEqual(ids.slice(3, 7));
    expect((await store.readItemsAfter(ids[8]!, 4)).map((x) => x.id)).toEqual(ids.slice(9));
    expect(await store.readItemsAfter(ids[9]!, 4)).toEqual([]);
    store.close();
  });
});
