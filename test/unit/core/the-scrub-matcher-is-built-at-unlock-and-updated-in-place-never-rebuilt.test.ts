/**
 * Issue 10 item 6: the engine's matcher never blocks an agent call for a rebuild. It is
 * built in the background as soon as the vault unlocks (before any scrub asks), a scrub
 * made meanwhile waits for that build and is complete, and item changes (create, edit,
 * delete) update it in place: the whole vault is read ONCE per unlock, whatever changes.
 */
import { describe, expect, it } from 'vitest';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import { REDACTED } from '../../../src/core/scrub/scrubber';
import { apiDraft, freshDbName, makeHarness, PASSWORD } from './helpers';

function countingHarness() {
  const store = createDexieStore({ name: freshDbName() });
  // builds = reads that start a pass over every item (from the first id); readAllItems must not be used at all.
  const counts = { builds: 0, readAllItems: 0, readItem: 0 };
  const counted = {
    ...store,
    readAllItems: () => {
      counts.readAllItems++;
      return store.readAllItems();
    },
    readItemsAfter: (afterId: string | null, limit: number) => {
      if (afterId === null) counts.builds++;
      return store.readItemsAfter(afterId, limit);
    },
    readItem: (id: string) => {
      counts.readItem++;
      return store.readItem(id);
    },
  };
  return { h: makeHarness({ extra: { store: counted } }), counts, store };
}

function login(title: string, password: string) {
  return {
    overview: { kind: 'login' as const, title, username: 'alice', urls: [], tags: [] },
    details: { kind: 'login' as const, password, customFields: [] },
  };
}

describe('the scrub matcher', () => {
  it('is built right after unlock, without waiting for a scrub, and the first scrub is complete', async () => {
    const { h, counts, store } = countingHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(login('a', 'first-login-password-1'));
    await h.engine.createItem(apiDraft());
    h.engine.lock();
    counts.builds = 0;
    await h.engine.unlockWithPassword(PASSWORD);
    // Give the background build its turn; no scrub has been asked for.
    for (let i = 0; i < 20 && counts.builds === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(counts.builds).toBe(1);
    expect(counts.readAllItems).toBe(0);
    const r = await h.engine.scrubResults(['first-login-password-1', 'ghp_supersecrettokenvalue']);
    expect(r.texts).toEqual([REDACTED, REDACTED]);
    store.close();
  });

  it('a scrub made the instant the vault unlocks waits for the build, not for nothing', async () => {
    const { h, store } = countingHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(login('a', 'instant-login-password-2'));
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.scrubResults(['x instant-login-password-2 y'])).texts).toEqual([`x ${REDACTED} y`]);
    store.close();
  });

  it('follows created, edited and deleted items in place: the vault is read once per unlock', async () => {
    const { h, counts, store } = countingHarness();
    await h.engine.createVault(PASSWORD);
    const a = await h.engine.createItem(login('a', 'original-password-aaa'));
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.scrubResults(['original-password-aaa'])).texts).toEqual([REDACTED]);
    const reads = counts.builds;

    const b = await h.engine.createItem(login('b', 'created-later-password-bbb'));
    expect((await h.engine.scrubResults(['created-later-password-bbb'])).texts).toEqual([REDACTED]);

    const view = await h.engine.getItem(a.id);
    await h.engine.updateItem({
      id: a.id,
      baseVersion: view.version,
      overview: view.overview,
      details: { ...view.details, password: 'edited-password-ccc' } as typeof view.details,
    });
    // The replaced password stays covered: it is kept in the item's history.
    expect((await h.engine.scrubResults(['edited-password-ccc', 'original-password-aaa'])).texts).toEqual([REDACTED, REDACTED]);

    await h.engine.deleteItem(b.id);
    expect((await h.engine.scrubResults(['created-later-password-bbb'])).texts).toEqual(['created-later-password-bbb']);

    expect(counts.builds).toBe(reads);
    expect(counts.readAllItems).toBe(0);
    expect(counts.readItem).toBeGreaterThanOrEqual(2);
    store.close();
  });

  it('is dropped at lock: a scrub then refuses', async () => {
    const { h, store } = countingHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(login('a', 'dropped-at-lock-password'));
    await h.engine.scrubResults(['warm']);
    h.engine.lock();
    await expect(h.engine.scrubResults(['dropped-at-lock-password'])).rejects.toMatchObject({ code: 'vault_locked' });
    store.close();
  });
});
