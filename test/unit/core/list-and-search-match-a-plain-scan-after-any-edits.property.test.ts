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
});
