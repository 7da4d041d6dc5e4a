/**
 * The vault head (docs/vault-format.md §6.1): one record, MACed under a key derived
 * from VK, that commits to the whole stored state — every item id and version, every
 * overview page (generation and digest), the settings record and the set of key
 * slots. Every write carries a new head in the same store transaction (core.commit),
 * so at unlock anything that differs from the head — a replayed page, an older or
 * deleted or added item record, an old slot put back, an older settings record — is
 * named, instead of being taken for the current state.
 *
 * Layout 2 keeps the item list per overview page (an item's page is fixed by its id):
 * the MAC covers, per page, its generation, its digest and SHA-256 of that page's
 * packed item list. A write re-packs and re-hashes only the pages it touches, and the
 * MAC input has a fixed size; the commitment is the same set of (id, version) pairs.
 *
 * The head cannot help against a rollback of the WHOLE store to an earlier authentic
 * state (head included): only something outside the store could (org sync's manifest).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HEADER_LENGTH, TAG_LENGTH } from '../crypto/aead';
import { constantTimeEqual, u32be, utf8ToBytes } from '../crypto/bytes';
import { PAGE_COUNT, type HeadRecord, type PageRecord, type SettingsRecord, type SlotRecord } from '../store/records';
import type { WriteBatch } from '../store/store';
import { pageOfId } from './pages';

export const HEAD_FORMAT = 2;
const MAGIC = utf8ToBytes('LKHEAD');

interface HeadPage {
  readonly generation: number;
  readonly digest: Uint8Array;
  /** This page's items: u32be(count) || f(id) || u32be(version) per item, sorted by id. */
  readonly items: Uint8Array;
  /** SHA-256(items), what the MAC covers; kept so a write hashes only the pages it changed. */
  readonly itemsDigest: Uint8Array;
}

export interface HeadState {
  readonly settings: { readonly version: number; readonly digest: Uint8Array } | null;
  /** slot id -> the slot's own digest (vault-format.md §4). */
  readonly slots: ReadonlyMap<string, Uint8Array>;
  readonly pages: readonly HeadPage[];
}

/** One page's item list, unpacked: ids sorted, versions[i] belongs to ids[i]. */
export interface PageItems {
  readonly ids: string[];
  readonly versions: number[];
}

const EMPTY: Uint8Array = new Uint8Array(32);

/**
 * SHA-256(u32be(n) || u32be(generation) || u32be(length) || header and nonce || tag).
 * The envelope's Poly1305 tag is a MAC under the page key over the AAD (page number,
 * generation) and the whole ciphertext, and the nonce is fresh per seal: no other
 * envelope with this nonce and tag opens without the key, and one that does not open
 * is rebuilt anyway. So this commits to the page as the whole-envelope hash did,
 * without hashing megabytes at every unlock.
 */
export function pageDigest(p: Pick<PageRecord, 'page' | 'generation' | 'envelope'>): Uint8Array {
  const e = p.envelope;
  const ends = e.length >= HEADER_LENGTH + TAG_LENGTH ? [e.subarray(0, HEADER_LENGTH), e.subarray(e.length - TAG_LENGTH)] : [e];
  return sha256(concat([u32be(p.page), u32be(p.generation), u32be(e.length), ...ends]));
}

export function settingsDigest(s: SettingsRecord): Uint8Array {
  return sha256(concat([u32be(s.version), s.envelope]));
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Packs (id, version) pairs sorted by id; ids must be printable ASCII, ≤ 255 bytes. */
function packPageItems(items: Iterable<readonly [string, number]>): Uint8Array {
  const list = [...items].sort((a, b) => byId(a[0], b[0]));
  let n = 4;
  for (const [id] of list) n += 1 + id.length + 4;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, list.length);
  let o = 4;
  for (const [id, version] of list) {
    if (id.length > 255 || !/^[\x21-\x7e]*$/.test(id)) throw new Error('item id not ASCII');
    out[o++] = id.length;
    for (let i = 0; i < id.length; i++) out[o++] = id.charCodeAt(i);
    dv.setUint32(o, version);
    o += 4;
  }
  return out;
}

/** The inverse of packPageItems for page `page`; null when malformed, unsorted, repeating an id or holding one of another page. */
export function unpackPageItems(b: unknown, page: number): PageItems | null {
  if (!(b instanceof Uint8Array) || b.length < 4) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = dv.getUint32(0);
  if (count > b.length) return null;
  const ids: string[] = [];
  const versions: number[] = [];
  let o = 4;
  let prev = '';
  for (let k = 0; k < count; k++) {
    if (o >= b.length) return null;
    const len = b[o++]!;
    if (len === 0 || o + len + 4 > b.length) return null;
    const id = String.fromCharCode.apply(null, b.subarray(o, o + len) as unknown as number[]);
    o += len;
    if ((k > 0 && byId(prev, id) >= 0) || pageOfId(id) !== page) return null;
    ids.push(id);
    versions.push(dv.getUint32(o));
    o += 4;
    prev = id;
  }
  return o === b.length ? { ids, versions } : null;
}

function headPage(generation: number, digest: Uint8Array, items: Uint8Array): HeadPage {
  return { generation, digest, items, itemsDigest: sha256(items) };
}

/** A head from its parts; items are split onto their pages. Throws on an id that belongs on no page. */
export function headOf(
  settings: HeadState['settings'],
  slots: ReadonlyMap<string, Uint8Array>,
  pages: readonly { readonly generation: number; readonly digest: Uint8Array }[],
  items: Iterable<readonly [string, number]>,
): HeadState {
  const byPage: Array<Array<readonly [string, number]>> = Array.from({ length: PAGE_COUNT }, () => []);
  for (const it of items) {
    const p = pageOfId(it[0]);
    if (p < 0) throw new Error('item id on no page');
    byPage[p]!.push(it);
  }
  return { settings, slots: new Map(slots), pages: pages.map((p, n) => headPage(p.generation, p.digest, packPageItems(byPage[n]!))) };
}

/** The state the store actually holds. */
export function stateOf(r: {
  settings: SettingsRecord | undefined;
  slots: readonly SlotRecord[];
  pages: readonly PageRecord[];
  items: Iterable<readonly [string, number]>;
}): HeadState {
  const pages: { generation: number; digest: Uint8Array }[] = Array.from({ length: PAGE_COUNT }, () => ({ generation: 0, digest: EMPTY }));
  for (const p of r.pages) if (Number.isInteger(p.page) && p.page >= 0 && p.page < PAGE_COUNT) pages[p.page] = { generation: p.generation, digest: pageDigest(p) };
  return headOf(r.settings ? { version: r.settings.version, digest: settingsDigest(r.settings) } : null, new Map(r.slots.map((s) => [s.id, s.digest])), pages, r.items);
}

/** The head after `b` is applied on top of `h` (same order as the store adapter applies a batch); only touched pages are re-packed. */
export function applyToHead(h: HeadState, b: WriteBatch): HeadState {
  const slots = new Map(b.clear ? [] : h.slots);
  for (const id of b.deleteSlots ?? []) slots.delete(id);
  for (const s of b.putSlots ?? []) slots.set(s.id, s.digest);
  const settings = b.settings ? { version: b.settings.version, digest: settingsDigest(b.settings) } : b.clear ? null : h.settings;
  const pages = b.clear ? Array.from({ length: PAGE_COUNT }, () => headPage(0, EMPTY, packPageItems([]))) : [...h.pages];
  const edits = new Map<number, { deletes: string[]; puts: Array<[string, number]> }>();
  const edit = (id: string) => {
    const p = pageOfId(id);
    if (p < 0) throw new Error('item id on no page');
    let e = edits.get(p);
    if (!e) edits.set(p, (e = { deletes: [], puts: [] }));
    return e;
  };
  for (const id of b.deleteItems ?? []) edit(id).deletes.push(id);
  for (const i of b.putItems ?? []) edit(i.id).puts.push([i.id, i.version]);
  for (const [p, e] of edits) {
    const cur = unpackPageItems(pages[p]!.items, p);
    if (!cur) throw new Error('head page items');
    const m = new Map<string, number>();
    for (let i = 0; i < cur.ids.length; i++) m.set(cur.ids[i]!, cur.versions[i]!);
    for (const id of e.deletes) m.delete(id);
    for (const [id, v] of e.puts) m.set(id, v);
    pages[p] = headPage(pages[p]!.generation, pages[p]!.digest, packPageItems(m));
  }
  for (const p of b.putPages ?? []) pages[p.page] = { ...pages[p.page]!, generation: p.generation, digest: pageDigest(p) };
  return { settings, slots, pages };
}

export function field(s: string): Uint8Array {
  const b = utf8ToBytes(s);
  if (b.length > 255) throw new Error('head field too long');
  return concat([Uint8Array.of(b.length), b]);
}

/** The exact MAC input (vault-format.md §6.1); its size does not grow with the item count. */
function headMacInput(vaultId: string, h: HeadState): Uint8Array {
  const parts: Uint8Array[] = [MAGIC, Uint8Array.of(HEAD_FORMAT), field(vaultId)];
  if (h.settings) parts.push(Uint8Array.of(1), u32be(h.settings.version), h.settings.digest);
  else parts.push(Uint8Array.of(0));
  const slotIds = [...h.slots.keys()].sort(byId);
  parts.push(u32be(slotIds.length));
  for (const id of slotIds) parts.push(field(id), fixed32(h.slots.get(id)!));
  for (const p of h.pages) parts.push(u32be(p.generation), fixed32(p.digest), p.itemsDigest);
  return concat(parts);
}

export function fixed32(d: Uint8Array): Uint8Array {
  // A slot with a digest of another length is malformed; it can never match a head written by us.
  return d.length === 32 ? d : sha256(concat([utf8ToBytes('malformed'), d]));
}

export function sealHead(headKey: Uint8Array, vaultId: string, h: HeadState): HeadRecord {
  return {
    key: 'head',
    v: HEAD_FORMAT,
    settings: h.settings ? { version: h.settings.version, digest: h.settings.digest } : null,
    slots: [...h.slots.keys()].sort(byId).map((id) => ({ id, digest: h.slots.get(id)! })),
    pages: h.pages.map((p) => ({ generation: p.generation, digest: p.digest, items: p.items })),
    mac: hmac(sha256, headKey, headMacInput(vaultId, h)),
  };
}

/**
 * The committed state and every page's item list, or null when the record is
 * malformed or its MAC does not verify under this key. A layout-1 record is not read
 * here (head-v1.ts migrates it).
 */
export function openHead(headKey: Uint8Array, vaultId: string, rec: HeadRecord): { head: HeadState; items: PageItems[] } | null {
  try {
    if (rec.key !== 'head' || rec.v !== HEAD_FORMAT || rec.items !== undefined || !(rec.mac instanceof Uint8Array) || rec.mac.length !== 32) return null;
    if (!Array.isArray(rec.pages) || rec.pages.length !== PAGE_COUNT || !Array.isArray(rec.slots)) return null;
    const isU32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff;
    const is32 = (d: unknown): d is Uint8Array => d instanceof Uint8Array && d.length === 32;
    const slots = new Map<string, Uint8Array>();
    // Stored records are untrusted until the MAC verifies: read every member as unknown.
    const member = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);
    for (const s of rec.slots as unknown[]) {
      const id = member(s, 'id');
      const digest = member(s, 'digest');
      if (typeof id !== 'string' || !is32(digest) || slots.has(id)) return null;
      slots.set(id, digest);
    }
    const items: PageItems[] = [];
    const pages = (rec.pages as unknown[]).map((p, n) => {
      const generation = member(p, 'generation');
      const digest = member(p, 'digest');
      const packed = member(p, 'items');
      const list = unpackPageItems(packed, n);
      if (!isU32(generation) || !is32(digest) || !list) throw new Error('page');
      items.push(list);
      return headPage(generation, digest, packed as Uint8Array);
    });
    let settings: HeadState['settings'] = null;
    if (rec.settings !== null) {
      if (!isU32(rec.settings?.version) || !is32(rec.settings.digest)) return null;
      settings = { version: rec.settings.version, digest: rec.settings.digest };
    }
    const head: HeadState = { settings, slots, pages };
    return constantTimeEqual(hmac(sha256, headKey, headMacInput(vaultId, head)), rec.mac) ? { head, items } : null;
  } catch {
    return null;
  }
}

export function sameDigest(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return !!a && !!b && a.length === b.length && constantTimeEqual(a, b);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
