/**
 * What the engine holds while the vault is unlocked: the key schedule, the decrypted
 * overviews (by page, as stored), a title-sorted list for listing and search (its
 * lower-cased haystacks built on the first search; a one-item write patches it in
 * place), and
 * the settings. `wipe()` zeroes every key; the overview objects are dropped (JS
 * strings cannot be zeroed — details are never kept here, only decrypted per call).
 */
import type { EngineSettings } from '../../shared/contracts/engine';
import type { ItemSummary } from '../../shared/items';
import { charMask, haystackOf, matcher } from '../items/search';
import { PAGE_COUNT } from '../store/records';
import type { HeadState } from './head';
import { wipeVaultKeys, type VaultKeys } from './keys';
import type { PageEntry } from './pages';

export type IntegrityProblem = 'replayed' | 'older' | 'newer' | 'missing' | 'added' | 'unauthentic' | 'malformed' | 'created';

export interface IntegrityIssue {
  readonly where: 'overview_page' | 'slot' | 'settings' | 'item' | 'vault_head';
  readonly id: string;
  /** What was found; vault-format.md §9. */
  readonly problem?: IntegrityProblem;
}

/**
 * The title-sorted list, as parallel arrays (no object per item): `keys[i]` is the
 * lower-cased title of `entries[i]` (ties broken by id); `hay[i]` its search haystack and `masks[i]` the set of
 * characters in it (search.ts), both filled on the first search.
 */
interface Sorted {
  entries: PageEntry[];
  keys: string[];
  hay: string[];
  /** -1 until computed. */
  masks: number[];
}

/** Beyond this many changed items a commit drops the sorted list instead of patching it. */
const PATCH_LIMIT = 256;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One overview page as the session holds it. Its id → entry map is built on first use
 * (a write to that page, a re-key): unlock itself builds only the vault-wide index, not
 * 64 more maps of the same 100k entries that most sessions never touch.
 */
export interface SessionPage {
  generation: number;
  readonly entries: Map<string, PageEntry>;
}

class LoadedPage implements SessionPage {
  private map: Map<string, PageEntry> | null = null;

  constructor(
    public generation: number,
    private list: readonly PageEntry[],
  ) {}

  get entries(): Map<string, PageEntry> {
    if (this.map === null) {
      this.map = new Map();
      for (const e of this.list) this.map.set(e.id, e);
      this.list = [];
    }
    return this.map;
  }
}

export class UnlockedSession {
  readonly pages: SessionPage[];
  private readonly index = new Map<string, PageEntry>();
  private sorted: Sorted | null = null;

  constructor(
    readonly vaultId: string,
    public keys: VaultKeys,
    pages: { generation: number; entries: PageEntry[] }[],
    public settings: EngineSettings,
    public settingsVersion: number,
    readonly issues: IntegrityIssue[],
    /** What the stored head commits to; every commit replaces it (core.commit). */
    public head: HeadState,
  ) {
    if (pages.length !== PAGE_COUNT) throw new Error('page count');
    this.pages = pages.map((p) => {
      for (const e of p.entries) this.index.set(e.id, e);
      return new LoadedPage(p.generation, p.entries);
    });
  }

  get size(): number {
    return this.index.size;
  }

  get(id: string): PageEntry | undefined {
    return this.index.get(id);
  }

  /** The page's entries with `entry` put (or `removeId` removed), without changing the session. */
  pageWith(page: number, change: { put?: PageEntry; removeId?: string }): Map<string, PageEntry> {
    const next = new Map(this.pages[page]!.entries);
    if (change.put) next.set(change.put.id, change.put);
    if (change.removeId) next.delete(change.removeId);
    return next;
  }

  /** Applies a committed page write. */
  commitPage(
    page: number,
    generation: number,
    entries: Map<string, PageEntry>,
    changed: { put?: PageEntry; puts?: readonly PageEntry[]; removeId?: string; removeIds?: readonly string[] },
  ): void {
    this.pages[page] = { generation, entries };
    const puts = changed.put ? [changed.put, ...(changed.puts ?? [])] : (changed.puts ?? []);
    const removes = changed.removeId ? [changed.removeId, ...(changed.removeIds ?? [])] : (changed.removeIds ?? []);
    // One edit patches the sorted list (binary search + splice) instead of re-sorting
    // and re-building every haystack on the next list or search.
    const patch = this.sorted !== null && puts.length + removes.length <= PATCH_LIMIT;
    for (const id of [...removes, ...puts.map((e) => e.id)]) {
      const old = this.index.get(id);
      if (old && patch) this.unsort(old);
    }
    for (const id of removes) this.index.delete(id);
    for (const e of puts) {
      this.index.set(e.id, e);
      if (patch) this.insort(e);
    }
    if (!patch) this.sorted = null;
  }

  private unsort(e: PageEntry): void {
    const s = this.sorted;
    if (!s) return; // dropped by an earlier miss in the same commit: rebuilt on next use
    const i = lowerBound(s, sortKey(e), e.id);
    if (s.entries[i] !== e) {
      this.sorted = null;
      return;
    }
    s.entries.splice(i, 1);
    s.keys.splice(i, 1);
    s.hay.splice(i, 1);
    s.masks.splice(i, 1);
  }

  private insort(e: PageEntry): void {
    const s = this.sorted;
    if (!s) return;
    const k = sortKey(e);
    const i = lowerBound(s, k, e.id);
    s.entries.splice(i, 0, e);
    s.keys.splice(i, 0, k);
    s.hay.splice(i, 0, '');
    s.masks.splice(i, 0, -1);
  }

  private all(): Sorted {
    if (this.sorted) return this.sorted;
    // Sort indices over a flat array of keys: no object per item, and the comparator
    // reads two array slots (about half the time of sorting objects by a property).
    const list = [...this.index.values()];
    const keys = list.map(sortKey);
    const order = list.map((_, i) => i);
    order.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      return x < y ? -1 : x > y ? 1 : cmp(list[a]!.id, list[b]!.id);
    });
    this.sorted = {
      entries: order.map((i) => list[i]!),
      keys: order.map((i) => keys[i]!),
      hay: new Array<string>(list.length).fill(''),
      masks: new Array<number>(list.length).fill(-1),
    };
    return this.sorted;
  }

  /** Items not in the trash, by title. */
  list(filter: { kind?: string; tag?: string }): ItemSummary[] {
    return this.listFirst(filter, Infinity).items;
  }

  /** The first `limit` items of list(filter), and how many list(filter) has. */
  listFirst(filter: { kind?: string; tag?: string }, limit: number): { items: ItemSummary[]; total: number } {
    const all = this.all().entries;
    const items: ItemSummary[] = [];
    let total = 0;
    for (const e of all) {
      const o = e.overview;
      if (o.trashedAt !== undefined || (filter.kind && o.kind !== filter.kind) || (filter.tag && !o.tags.includes(filter.tag))) continue;
      if (total++ < limit) items.push(e);
    }
    return { items, total };
  }

  /** Items in the trash, most recently deleted first. */
  trash(): ItemSummary[] {
    const out: PageEntry[] = [];
    for (const e of this.index.values()) if (e.overview.trashedAt !== undefined) out.push(e);
    return out.sort((a, b) => b.overview.trashedAt! - a.overview.trashedAt! || cmp(a.id, b.id));
  }

  search(query: string, limit: number): ItemSummary[] {
    const s = this.all();
    const { match, mask } = matcher(query);
    const { masks, hay, entries } = s;
    const out: ItemSummary[] = [];
    for (let i = 0; i < entries.length; i++) {
      let m = masks[i]!;
      if (m < 0) m = masks[i] = charMask((hay[i] = haystackOf(entries[i]!.overview)));
      // Most items lack some character of the query: one AND skips them.
      if ((m & mask) !== mask || entries[i]!.overview.trashedAt !== undefined || !match(hay[i]!)) continue;
      out.push(entries[i]!);
      if (out.length >= limit) break;
    }
    return out;
  }

  entries(): IterableIterator<PageEntry> {
    return this.index.values();
  }

  wipe(): void {
    wipeVaultKeys(this.keys);
    this.index.clear();
    this.sorted = null;
    // Empty pages, not cleared maps: clearing would first build each page's map.
    this.pages.forEach((p, i) => (this.pages[i] = { generation: p.generation, entries: new Map() }));
  }
}

/** No concatenation with the id (a string per item less to build and compare at unlock): ties go to cmp on ids. */
function sortKey(e: PageEntry): string {
  return e.overview.title.toLowerCase();
}

/** First index whose (key, id) is ≥ (k, id). */
function lowerBound(s: Sorted, k: string, id: string): number {
  let lo = 0;
  let hi = s.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = s.keys[mid]!;
    if (m < k || (m === k && s.entries[mid]!.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
