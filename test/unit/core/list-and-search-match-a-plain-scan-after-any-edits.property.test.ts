/**
 * Property: after any sequence of creates, renames, deletes and imports (with searches
 * in between, so the session's sorted list and its search masks are patched in place
 * rather than rebuilt), listItems is exactly the items sorted by lower-cased title then
 * id, and searchItems returns exactly what a plain lower-cased `includes` scan of that
 * list returns (mask prefilter never drops a match) — also after lock and unlock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ItemDraft, ItemSummary } from '../../../src/shared/items';
import type { HeadState } from '../../../src/core/vault/head';
import type { VaultKeys } from '../../../src/core/vault/keys';
import { pageOf, type PageEntry } from '../../../src/core/vault/pages';
import { UnlockedSession } from '../../../src/core/vault/session';
import { makeHarness, PASSWORD, type Harness } from './helpers';

// Small alphabets so queries hit often; unicode and digits exercise every mask bit.
const word = fc.constantFrom('git', 'Bank', 'mail', 'zz', 'é', 'İx', '42', '7', 'a.b', 'x-y', 'Ω', '');
const title = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ').trim() || 'q');
const draftOf = (t: string, u: string): ItemDraft => ({
  overview: { kind: 'login', title: t, username: u, urls: [`https://${u.replace(/[^a-z0-9]/gi, '') || 'x'}.example`], tags: [] },
  details: { kind: 'login', password: 'p', customFields: [] },
});
const op = fc.oneof(
  fc.record({ k: fc.constant('create' as const), t: title, u: word }),
  fc.record({ k: fc.constant('import' as const), ts: fc.array(title, { minLength: 1, maxLength: 4 }) }),
  fc.record({ k: fc.constant('rename' as const), i: fc.nat(), t: title }),
  fc.record({ k: fc.constant('delete' as const), i: fc.nat() }),
  fc.record({ k: fc.constant('search' as const), q: fc.array(word, { maxLength: 2 }).map((w) => w.join(' ')) }),
);

function expectedOrder(items: ItemSummary[]): string[] {
  const key = (i: ItemSummary) => `${i.overview.title.toLowerCase()}\u0000${i.id}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map((i) => i.id);
}

function plainSearch(sorted: ItemSummary[], q: string): string[] {
  const terms = q
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t);
  return sorted
    .filter((i) => {
      const o = i.overview;
      const h = [o.title, o.username ?? '', ...o.urls, ...o.tags, o.description ?? ''].join('\n').toLowerCase();
      return terms.every((t) => h.includes(t));
    })
    .map((i) => i.id);
}

async function check(h: Harness, queries: string[]): Promise<void> {
  const listed = h.engine.listItems();
  expect(listed.map((i) => i.id)).toEqual(expectedOrder(listed));
  for (const q of queries) {
    expect(h.engine.searchItems(q).map((i) => i.id)).toEqual(plainSearch(listed, q));
    expect(h.engine.searchItems(q, 2).map((i) => i.id)).toEqual(plainSearch(listed, q).slice(0, 2));
  }
}

describe('list and search after edits', () => {
  it('equal a plain sort and scan, edit after edit and after unlock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const h = makeHarness();
        await h.engine.createVault(PASSWORD);
        const queries = ['git', 'bank', 'zz 42', 'é', 'i̇x', 'a.b', '7', 'x-y', 'ω', 'nothing-here', ''];
        for (const o of ops) {
          const ids = h.engine.listItems().map((i) => i.id);
          if (o.k === 'create') await h.engine.createItem(draftOf(o.t, o.u));
          else if (o.k === 'import') await h.engine.importItems(o.ts.map((t) => draftOf(t, 'imp')));
          else if (o.k === 'rename' && ids.length) {
            const v = await h.engine.getItem(ids[o.i % ids.length]!);
            await h.engine.updateItem({ id: v.id, baseVersion: v.version, overview: { ...v.overview, title: o.t }, details: v.details });
          } else if (o.k === 'delete' && ids.length) await h.engine.deleteItem(ids[o.i % ids.length]!);
          else if (o.k === 'search') h.engine.searchItems(o.q);
          await check(h, queries);
        }
        h.engine.lock();
        await h.engine.unlockWithPassword(PASSWORD);
        await check(h, queries);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a commit that names one id twice (removed and put, or put twice) leaves the list exact', () => {
    const entry = (id: string, title: string, version = 1): PageEntry => ({ id, version, createdAt: 1, updatedAt: 1, overview: { kind: 'login', title, urls: [], tags: [] } });
    const a = entry('A'.repeat(22), 'beta');
    const b = entry(`A${'b'.repeat(21)}`, 'alpha');
    const pages = Array.from({ length: 64 }, () => ({ generation: 1, entries: [] as PageEntry[] }));
    pages[pageOf(a.id)]!.entries.push(a, b);
    const keys = { vk: new Uint8Array(32), itemWrap: new Uint8Array(32), page: new Uint8Array(32), settings: new Uint8Array(32), head: new Uint8Array(32) } as VaultKeys;
    const s = new UnlockedSession('v'.repeat(22), keys, pages, { autoLockMinutes: 15 }, 1, [], {} as HeadState);
    expect(s.list({}).map((e) => e.overview.title)).toEqual(['alpha', 'beta']);
    expect(s.search('beta', 10)).toEqual([a]);
    const a2 = entry(a.id, 'zeta', 2);
    const a3 = entry(a.id, 'gamma', 3);
    s.commitPage(
      pageOf(a.id),
      2,
      new Map([
        [b.id, b],
        [a.id, a3],
      ]),
      { puts: [a2, a3], removeIds: [a.id] },
    );
    expect(s.list({}).map((e) => [e.overview.title, e.version])).toEqual([
      ['alpha', 1],
      ['gamma', 3],
    ]);
    expect(s.search('zeta', 10)).toEqual([]);
    expect(s.search('gamma', 10)).toEqual([a3]);
  });
});
