/**
 * Issue 15: the scrub matcher's background build (one decrypt of every item after
 * unlock) runs in slices with the event loop's turn between them. A slice boundary is
 * a new way to be wrong, so: other work runs while the build is under way; a lock in
 * the middle ends it (the next unlock builds afresh and is complete); a scrub made
 * during the build still covers every item, including ones the build had not reached.
 */
import { describe, expect, it } from 'vitest';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import { REDACTED } from '../../../src/core/scrub/scrubber';
import type { ItemDraft } from '../../../src/shared/items';
import { freshDbName, makeHarness, PASSWORD } from './helpers';

const N = 400;

function draft(i: number): ItemDraft {
  return {
    overview: { kind: 'login', title: `site ${i}`, username: `u${i}`, urls: [], tags: [] },
    details: { kind: 'login', password: `slice-test-password-${i}-${'q'.repeat(12)}`, customFields: [] },
  };
}

/** A harness whose store says when the build's first read of items has returned. */
function watchedHarness() {
  const store = createDexieStore({ name: freshDbName() });
  let readDone: (() => void) | undefined;
  let readReturned = new Promise<void>((r) => (readDone = r));
  const watched = {
    ...store,
    readItemsAfter: async (afterId: string | null, limit: number) => {
      const some = await store.readItemsAfter(afterId, limit);
      queueMicrotask(() => readDone?.());
      return some;
    },
  };
  const h = makeHarness({ extra: { store: watched } });
  return {
    h,
    store,
    nextRead: () => {
      readReturned = new Promise<void>((r) => (readDone = r));
    },
    readReturned: () => readReturned,
  };
}

async function seeded() {
  const w = watchedHarness();
  await w.h.engine.createVault(PASSWORD);
  await w.h.engine.importItems(Array.from({ length: N }, (_, i) => draft(i)));
  // Let the build started by createVault's session finish before the test's own unlock.
  await w.h.engine.scrubResults(['warm']);
  w.h.engine.lock();
  w.nextRead();
  return w;
}

describe('the scrub matcher build', () => {
  it('lets a timer queued after it started run before it ends, and the scrub that waited is complete', async () => {
    const w = await seeded();
    await w.h.engine.unlockWithPassword(PASSWORD);
    await w.readReturned();
    let done = false;
    const scrub = w.h.engine.scrubResults([`a slice-test-password-${N - 1}-${'q'.repeat(12)} b`]).then((r) => {
      done = true;
      return r;
    });
    // Decrypting 400 items takes far more than one slice: a timer gets its turn first.
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(false);
    expect(w.h.engine.searchItems('site 399', 5).map((i) => i.overview.title)).toEqual(['site 399']);
    expect((await scrub).texts).toEqual([`a ${REDACTED} b`]);
    w.store.close();
  });

  it('is ended by a lock in the middle; the next unlock builds again and covers every item', async () => {
    const w = await seeded();
    await w.h.engine.unlockWithPassword(PASSWORD);
    await w.readReturned();
    const during = w.h.engine.scrubResults(['x']);
    await new Promise((r) => setTimeout(r, 0));
    w.h.engine.lock();
    await expect(during).rejects.toMatchObject({ code: 'vault_locked' });
    w.nextRead();
    await w.h.engine.unlockWithPassword(PASSWORD);
    const texts = Array.from({ length: N }, (_, i) => `slice-test-password-${i}-${'q'.repeat(12)}`);
    const r = await w.h.engine.scrubResults(texts);
    expect(r.texts).toEqual(texts.map(() => REDACTED));
    expect(r.redactions).toBe(N);
    w.store.close();
  });
});
