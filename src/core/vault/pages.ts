/**
 * Overview pages (docs/vault-format.md §5.2): a second, bulk-readable copy of every
 * item's overview so unlock costs 64 reads and 64 decryptions instead of two AEAD
 * operations per item (noble XChaCha20-Poly1305 is ~15-25 µs per small message:
 * 10k items would be ~400 ms). The item records stay authoritative: item.get
 * checks the page entry against the item's own overview ciphertext.
 *
 * Page of an item = index of its id's first character in the base64url alphabet
 * (ids are random, so pages fill evenly). Plaintext: UTF-8 JSON
 * {"v":2,"entries":[[id, version, createdAt, updatedAt, overview], ...]} — entries
 * positional to keep the bytes (and so decrypt + parse time) down, in list order
 * (since vault format 3; readers do not rely on the order).
 * AAD {context 'page', vaultId, objectId = decimal page number, version = generation, part 'overviews'}.
 */
import { LatchkeyError } from '../../shared/errors';
import { ITEM_KINDS, itemOverviewSchema, type ItemOverview } from '../../shared/items';
import { open, seal, type AadFields } from '../crypto/aead';
import { bytesToUtf8, utf8ToBytes } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import { PAGE_COUNT, type PageRecord } from '../store/records';

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * 2 = written by vault format 2 (with a head). Readers accept 1 and 2; a vault
 * without a head that holds a format-2 page once had a head, so it is refused
 * instead of being migrated again (open-vault.ts).
 */
export const PAGE_FORMAT = 2;

export interface PageEntry {
  readonly id: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly overview: ItemOverview;
}

/** The overview page an item id belongs on, or -1 for an id that belongs on none. */
export function pageOfId(id: string): number {
  return B64U.indexOf(id.charAt(0));
}

export function pageOf(itemId: string): number {
  const p = pageOfId(itemId);
  if (p < 0) throw new LatchkeyError('invalid_input', 'Malformed item id.');
  return p;
}

export function pagePrefix(page: number): string {
  return B64U.charAt(page);
}

const ID_RE = /^[A-Za-z0-9_-]{22}$/;
const KINDS: ReadonlySet<string> = new Set(ITEM_KINDS);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

/**
 * Structural check of a decrypted overview. A hand-written check, not zod, on this
 * hot path: zod costs ~30 ms per 10k overviews, this ~2 ms. The plaintext is
 * authenticated (only a VK holder wrote it, after zod-validating the input), so this
 * guards against format drift, not forgery; API-credential overviews — the ones the
 * gateway acts on — still get the full zod schema.
 */
function toOverview(v: unknown): ItemOverview | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (!isStr(o.kind) || !KINDS.has(o.kind) || !isStr(o.title) || !isStrArray(o.urls) || !isStrArray(o.tags)) return null;
  if (o.username !== undefined && !isStr(o.username)) return null;
  // A trashed item must stay out of listings and away from agents: a malformed mark is refused, not read as "not trashed".
  if (o.trashedAt !== undefined && (!isInt(o.trashedAt) || o.trashedAt < 0)) return null;
  if (o.kind === 'api_credential' || o.injection !== undefined || o.allowedOrigins !== undefined || o.description !== undefined) {
    const r = itemOverviewSchema.safeParse(o);
    return r.success ? r.data : null;
  }
  return o as unknown as ItemOverview;
}

function toEntries(v: unknown, page: number): PageEntry[] | null {
  if (typeof v !== 'object' || v === null) return null;
  const { v: format, entries } = v as { v?: unknown; entries?: unknown };
  if ((format !== 1 && format !== PAGE_FORMAT) || !Array.isArray(entries)) return null;
  const seen = new Set<string>();
  const out = new Array<PageEntry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    if (!Array.isArray(e) || e.length !== 5) return null;
    const [id, version, createdAt, updatedAt, ov] = e as unknown[];
    // Every entry must belong on this page: a swapped-in entry would be a lie about another page.
    if (!isStr(id) || !ID_RE.test(id) || pageOf(id) !== page || !isInt(version) || version < 1 || !isInt(createdAt) || !isInt(updatedAt)) return null;
    // A duplicated entry is a lie about what the page holds.
    if (seen.has(id)) return null;
    seen.add(id);
    const overview = toOverview(ov);
    if (!overview) return null;
    out[i] = { id, version, createdAt, updatedAt, overview };
  }
  return out;
}

function aad(vaultId: string, page: number, generation: number): AadFields {
  return { context: 'page', vaultId, objectId: String(page), version: generation, part: 'overviews' };
}

export function sealPage(pageKey: Uint8Array, vaultId: string, page: number, generation: number, entries: Iterable<PageEntry>, random: RandomSource): PageRecord {
  if (page < 0 || page >= PAGE_COUNT) throw new LatchkeyError('internal', 'Page out of range.');
  // In list order (lower-cased title, then id): unlock's sort of all items then merges
  // 64 sorted runs instead of sorting from scratch (~3x fewer comparisons at 100k).
  const rows = [...entries].map((e) => ({ e, t: e.overview.title.toLowerCase() }));
  rows.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0));
  const pt = utf8ToBytes(JSON.stringify({ v: PAGE_FORMAT, entries: rows.map(({ e }) => [e.id, e.version, e.createdAt, e.updatedAt, e.overview]) }));
  return { page, generation, envelope: seal(pageKey, pt, aad(vaultId, page, generation), random) };
}

/** The plaintext format (1 or 2) of a page that authenticates, else null. */
export function pageFormat(pageKey: Uint8Array, vaultId: string, rec: PageRecord): number | null {
  try {
    const v = JSON.parse(bytesToUtf8(open(pageKey, rec.envelope, aad(vaultId, rec.page, rec.generation)))) as { v?: unknown };
    return typeof v?.v === 'number' ? v.v : null;
  } catch {
    return null;
  }
}

/** Returns the entries, or null when the page does not authenticate or parse (the caller rebuilds it from items). */
export function openPage(pageKey: Uint8Array, vaultId: string, rec: PageRecord): PageEntry[] | null {
  try {
    if (!Number.isInteger(rec.page) || rec.page < 0 || rec.page >= PAGE_COUNT) return null;
    const pt = open(pageKey, rec.envelope, aad(vaultId, rec.page, rec.generation));
    return toEntries(JSON.parse(bytesToUtf8(pt)), rec.page);
  } catch {
    return null;
  }
}
