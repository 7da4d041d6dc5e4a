/**
 * Head layout 1 (vault format 2), kept only to migrate: a format-2 vault's head is
 * verified exactly as format 2 wrote it, then converted to layout 2 (head.ts) and
 * written back as format 3 at that unlock (open-vault.ts). Nothing writes layout 1.
 *
 * Layout 1 committed to every item in one sorted list and to SHA-256 of every whole
 * page envelope, so each write re-sorted, re-packed and re-MACed all of it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual, u32be, utf8ToBytes } from '../crypto/bytes';
import { PAGE_COUNT, type HeadRecord, type PageRecord } from '../store/records';
import { concat, field, fixed32, headOf, pageDigest, type HeadState } from './head';

const MAGIC = utf8ToBytes('LKHEAD');
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Layout 1's page digest: SHA-256(u32be(n) || u32be(generation) || whole envelope). */
function pageDigestV1(p: PageRecord): Uint8Array {
  return sha256(concat([u32be(p.page), u32be(p.generation), p.envelope]));
}

/** u32be(count) || f(id) || u32be(version) per item, sorted by id; null when malformed, unsorted or repeating. */
function unpackItemsV1(b: unknown): Array<[string, number]> | null {
  if (!(b instanceof Uint8Array) || b.length < 4) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = dv.getUint32(0);
  const out: Array<[string, number]> = [];
  let o = 4;
  let prev = '';
  for (let k = 0; k < count; k++) {
    if (o >= b.length) return null;
    const len = b[o++]!;
    if (o + len + 4 > b.length) return null;
    const id = String.fromCharCode(...b.subarray(o, o + len));
    o += len;
    if (k > 0 && byId(prev, id) >= 0) return null;
    out.push([id, dv.getUint32(o)]);
    o += 4;
    prev = id;
  }
  return o === b.length ? out : null;
}

/**
 * A layout-1 head, verified as written, restated as layout 2. A committed page digest
 * is carried over only for the stored page that matches it (restated with the layout-2
 * digest of that same record); any other page keeps a digest no page can match, so it
 * is rebuilt and reported as it would have been under layout 1.
 */
export function openHeadV1(headKey: Uint8Array, vaultId: string, rec: HeadRecord, stored: readonly PageRecord[]): HeadState | null {
  try {
    if (rec.key !== 'head' || rec.v !== 1 || !(rec.mac instanceof Uint8Array) || rec.mac.length !== 32) return null;
    if (!Array.isArray(rec.pages) || rec.pages.length !== PAGE_COUNT || !Array.isArray(rec.slots)) return null;
    const isU32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff;
    const is32 = (d: unknown): d is Uint8Array => d instanceof Uint8Array && d.length === 32;
    const member = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);
    const slots = new Map<string, Uint8Array>();
    for (const s of rec.slots as unknown[]) {
      const id = member(s, 'id');
      const digest = member(s, 'digest');
      if (typeof id !== 'string' || !is32(digest) || slots.has(id)) return null;
      slots.set(id, digest);
    }
    const items = unpackItemsV1(rec.items);
    if (!items) return null;
    const pages = (rec.pages as unknown[]).map((p) => {
      const generation = member(p, 'generation');
      const digest = member(p, 'digest');
      if (!isU32(generation) || !is32(digest)) throw new Error('page');
      return { generation, digest };
    });
    const settings = rec.settings;
    if (settings !== null && (!isU32(settings?.version) || !is32(settings.digest))) return null;

    const parts: Uint8Array[] = [MAGIC, Uint8Array.of(1), field(vaultId)];
    if (settings) parts.push(Uint8Array.of(1), u32be(settings.version), settings.digest);
    else parts.push(Uint8Array.of(0));
    const slotIds = [...slots.keys()].sort(byId);
    parts.push(u32be(slotIds.length));
    for (const id of slotIds) parts.push(field(id), fixed32(slots.get(id)!));
    for (const p of pages) parts.push(u32be(p.generation), p.digest);
    parts.push(rec.items!);
    if (!constantTimeEqual(hmac(sha256, headKey, concat(parts)), rec.mac)) return null;

    const byNumber = new Map(stored.map((p) => [p.page, p]));
    const restated = pages.map((p, n) => {
      const s = byNumber.get(n);
      const same = s !== undefined && s.generation === p.generation && constantTimeEqual(pageDigestV1(s), p.digest);
      // sha256 of the layout-1 digest: 32 bytes that are no layout-2 digest of any page.
      return { generation: p.generation, digest: same ? pageDigest(s) : sha256(concat([utf8ToBytes('layout 1 page mismatch'), p.digest])) };
    });
    return headOf(settings ? { version: settings.version, digest: settings.digest } : null, slots, restated, items);
  } catch {
    return null;
  }
}
