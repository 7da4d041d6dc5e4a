/**
 * What the engine holds while the vault is unlocked: the key schedule, the decrypted
 * overviews (by page, as stored), a title-sorted list for listing and search (its
 * lower-cased haystacks built on the first search), and
 * the settings. `wipe()` zeroes every key; the overview objects are dropped (JS
 * strings cannot be zeroed — details are never kept here, only decrypted per call).
 */
import type { EngineSettings } from '../../shared/contracts/engine';
import type { ItemSummary } from '../../shared/items';
import { haystackOf, matcher } from '../items/search';
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

interface Indexed {
  /** Also the ItemSummary handed out: same fields, no copy per item. */
  readonly entry: PageEntry;
  /** Built on first search, not at unlock: unlock only pays for what listing needs. */
  haystack?: string;
  readonly sortKey: string;
}

export class UnlockedSession {
  readonly pages: { generation: number; entries: Map<string, PageEntry> }[];
  private readonly index = new Map<string, Indexed>();
  private sorted: Indexed[] | null = null;

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
    this.pages = pages.map((p) => ({ generation: p.generation, entries: new Map(p.entries.map((e) => [e.id, e])) }));
    for (const p of this.pages) for (const e of p.entries.values()) this.index.set(e.id, indexed(e));
  }

  get size(): number {
    return this.index.size;
  }

  get(id: string): PageEntry | undefined {
    return this.index.get(id)?.entry;
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
    if (changed.put) this.index.set(changed.put.id, indexed(changed.put));
    for (const e of changed.puts ?? []) this.index.set(e.id, indexed(e));
    if (changed.removeId) this.index.delete(changed.removeId);
    for (const id of changed.removeIds ?? []) this.index.delete(id);
    this.sorted = null;
  }

  private all(): Indexed[] {
    this.sorted ??= [...this.index.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    return this.sorted;
  }

  list(filter: { kind?: string; tag?: string }): ItemSummary[] {
    if (!filter.kind && !filter.tag) return this.all().map((x) => x.entry);
    return this.all()
      .filter((x) => (!filter.kind || x.entry.overview.kind === filter.kind) && (!filter.tag || x.entry.overview.tags.includes(filter.tag)))
      .map((x) => x.entry);
  }

  search(query: string, limit: number): ItemSummary[] {
    const match = matcher(query);
    const out: ItemSummary[] = [];
    for (const x of this.all()) {
      x.haystack ??= haystackOf(x.entry.overview);
      if (match(x.haystack)) {
        out.push(x.entry);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  entries(): IterableIterator<PageEntry> {
    return [...this.index.values()].map((x) => x.entry)[Symbol.iterator]();
  }

  wipe(): void {
    wipeVaultKeys(this.keys);
    this.index.clear();
    this.sorted = null;
    for (const p of this.pages) p.entries.clear();
  }
}

function indexed(e: PageEntry): Indexed {
  return {
    entry: e,
    haystack: undefined, // same hidden class before and after the first search
    sortKey: `${e.overview.title.toLowerCase()}\u0000${e.id}`,
  };
}
