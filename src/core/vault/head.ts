/**
 * The vault head (docs/vault-format.md §6.1): one record, MACed under a key derived
 * from VK, that commits to the whole stored state — every item id and version, every
 * overview page (generation and digest), the settings record and the set of key
 * slots. Every write carries a new head in the same store transaction (core.commit),
 * so at unlock anything that differs from the head — a replayed page, an older or
 * deleted or added item record, an old slot put back, an older settings record — is
 * named, instead of being taken for the current state.
 *
 * The head cannot help against a rollback of the WHOLE store to an earlier authentic
 * state (head included): only something outside the store could (org sync's manifest).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual, u32be, utf8ToBytes } from '../crypto/bytes';
import { PAGE_COUNT, type HeadRecord, type PageRecord, type SettingsRecord, type SlotRecord } from '../store/records';
import type { WriteBatch } from '../store/store';

export const HEAD_FORMAT = 1;
const MAGIC = utf8ToBytes('LKHEAD');

export interface HeadState {
  readonly settings: { readonly version: number; readonly digest: Uint8Array } | null;
  /** slot id -> the slot's own digest (vault-format.md §4). */
  readonly slots: ReadonlyMap<string, Uint8Array>;
  readonly pages: readonly { readonly generation: number; readonly digest: Uint8Array }[];
  /** item id -> version. */
  readonly items: ReadonlyMap<string, number>;
}

const EMPTY: Uint8Array = new Uint8Array(32);

export function pageDigest(p: Pick<PageRecord, 'page' | 'generation' | 'envelope'>): Uint8Array {
  return sha256(concat([u32be(p.page), u32be(p.generation), p.envelope]));
}

export function settingsDigest(s: SettingsRecord): Uint8Array {
  return sha256(concat([u32be(s.version), s.envelope]));
}

/** The state the store actually holds (what unlock compares with the head). */
export function stateOf(r: {
  settings: SettingsRecord | undefined;
  slots: readonly SlotRecord[];
  pages: readonly PageRecord[];
  items: Iterable<readonly [string, number]>;
}): HeadState {
  const pages: { generation: number; digest: Uint8Array }[] = Array.from({ length: PAGE_COUNT }, () => ({ generation: 0, digest: EMPTY }));
  for (const p of r.pages) if (Number.isInteger(p.page) && p.page >= 0 && p.page < PAGE_COUNT) pages[p.page] = { generation: p.generation, digest: pageDigest(p) };
  return {
    settings: r.settings ? { version: r.settings.version, digest: settingsDigest(r.settings) } : null,
    slots: new Map(r.slots.map((s) => [s.id, s.digest])),
    pages,
    items: new Map(r.items),
  };
}

/** The head after `b` is applied on top of `h` (same order as the store adapter applies a batch). */
export function applyToHead(h: HeadState, b: WriteBatch): HeadState {
  const slots = new Map(b.clear ? [] : h.slots);
  const items = new Map(b.clear ? [] : h.items);
  const pages: { generation: number; digest: Uint8Array }[] = b.clear ? Array.from({ length: PAGE_COUNT }, () => ({ generation: 0, digest: EMPTY })) : [...h.pages];
  for (const id of b.deleteSlots ?? []) slots.delete(id);
  for (const s of b.putSlots ?? []) slots.set(s.id, s.digest);
  for (const id of b.deleteItems ?? []) items.delete(id);
  for (const i of b.putItems ?? []) items.set(i.id, i.version);
  for (const p of b.putPages ?? []) pages[p.page] = { generation: p.generation, digest: pageDigest(p) };
  const settings = b.settings ? { version: b.settings.version, digest: settingsDigest(b.settings) } : b.clear ? null : h.settings;
  return { settings, slots, pages, items };
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function f(s: string): Uint8Array {
  const b = utf8ToBytes(s);
  if (b.length > 255) throw new Error('head field too long');
  return concat([Uint8Array.of(b.length), b]);
}

/** The exact MAC input (vault-format.md §6.1). */
export function headMacInput(vaultId: string, h: HeadState): Uint8Array {
  const parts: Uint8Array[] = [MAGIC, Uint8Array.of(HEAD_FORMAT), f(vaultId)];
  if (h.settings) parts.push(Uint8Array.of(1), u32be(h.settings.version), h.settings.digest);
  else parts.push(Uint8Array.of(0));
  const slotIds = [...h.slots.keys()].sort(byId);
  parts.push(u32be(slotIds.length));
  for (const id of slotIds) parts.push(f(id), fixed32(h.slots.get(id)!));
  for (const p of h.pages) parts.push(u32be(p.generation), fixed32(p.digest));
  parts.push(packItems(h.items));
  return concat(parts);
}

/** u32be(count) || for each item by id: f(id) || u32be(version). */
export function packItems(items: ReadonlyMap<string, number>): Uint8Array {
  const ids = [...items.keys()].sort(byId);
  let n = 4;
  for (const id of ids) n += 1 + id.length + 4; // ids are ASCII (base64url)
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, ids.length);
  let o = 4;
  for (const id of ids) {
    if (id.length > 255 || !/^[\x21-\x7e]*$/.test(id)) throw new Error('item id not ASCII');
    out[o++] = id.length;
    for (let i = 0; i < id.length; i++) out[o++] = id.charCodeAt(i);
    dv.setUint32(o, items.get(id)!);
    o += 4;
  }
  return out;
}

/** The inverse of packItems; null when malformed, unsorted or repeating an id. */
export function unpackItems(b: Uint8Array): Map<string, number> | null {
  if (!(b instanceof Uint8Array) || b.length < 4) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = dv.getUint32(0);
  const out = new Map<string, number>();
  let o = 4;
  let prev = '';
  for (let k = 0; k < count; k++) {
    if (o >= b.length) return null;
    const len = b[o++]!;
    if (o + len + 4 > b.length) return null;
    let id = '';
    for (let i = 0; i < len; i++) id += String.fromCharCode(b[o + i]!);
    o += len;
    if (k > 0 && byId(prev, id) >= 0) return null;
    out.set(id, dv.getUint32(o));
    o += 4;
    prev = id;
  }
  return o === b.length ? out : null;
}

function fixed32(d: Uint8Array): Uint8Array {
  // A slot with a digest of another length is malformed; it can never match a head written by us.
  return d.length === 32 ? d : sha256(concat([utf8ToBytes('malformed'), d]));
}

export function sealHead(headKey: Uint8Array, vaultId: string, h: HeadState): HeadRecord {
  return {
    key: 'head',
    v: HEAD_FORMAT,
    settings: h.settings ? { version: h.settings.version, digest: h.settings.digest } : null,
    slots: [...h.slots.keys()].sort(byId).map((id) => ({ id, digest: h.slots.get(id)! })),
    pages: h.pages.map((p) => ({ generation: p.generation, digest: p.digest })),
    items: packItems(h.items),
    mac: hmac(sha256, headKey, headMacInput(vaultId, h)),
  };
}

/** The committed state, or null when the record is malformed or its MAC does not verify under this key. */
export function openHead(headKey: Uint8Array, vaultId: string, rec: HeadRecord): HeadState | null {
  try {
    if (rec.key !== 'head' || rec.v !== HEAD_FORMAT || !(rec.mac instanceof Uint8Array) || rec.mac.length !== 32) return null;
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
    const items = unpackItems(rec.items);
    if (!items) return null;
    const pages = (rec.pages as unknown[]).map((p) => {
      const generation = member(p, 'generation');
      const digest = member(p, 'digest');
      if (!isU32(generation) || !is32(digest)) throw new Error('page');
      return { generation, digest };
    });
    let settings: HeadState['settings'] = null;
    if (rec.settings !== null) {
      if (!isU32(rec.settings?.version) || !is32(rec.settings.digest)) return null;
      settings = { version: rec.settings.version, digest: rec.settings.digest };
    }
    const h: HeadState = { settings, slots, pages, items };
    return constantTimeEqual(hmac(sha256, headKey, headMacInput(vaultId, h)), rec.mac) ? h : null;
  } catch {
    return null;
  }
}

export function sameDigest(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return !!a && !!b && a.length === b.length && constantTimeEqual(a, b);
}

function concat(parts: Uint8Array[]): Uint8Array {
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
