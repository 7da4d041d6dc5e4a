/**
 * Stored vault records <-> sync records (docs/sync-protocol.md "What the vault syncs").
 *
 * A sync record's ciphertext is the stored record itself, already encrypted by the
 * engine, serialized exactly as in a vault dump (docs/vault-format.md §8: bytes as
 * base64url) and wrapped as UTF-8 JSON {"v":1,"kind":…,"record":…}, then base64url.
 * The server sees record ids and sizes, never a key or a plaintext field.
 *
 *   sync id            kind       record (dump form)
 *   vault:meta         meta       vault meta (vault id, format version, created at)
 *   vault:settings     settings   settings envelope (sealed under a VK subkey)
 *   slot:<slot id>     slot       key slot (VK wrapped under the slot's KEK + digest)
 *   item:<item id>     item       item record (key, overview, details envelopes)
 *
 * Overview pages are NOT synced: each device derives its own from the item records.
 */
import { z } from 'zod';
import { parseStrictJson } from '../../shared/encoding/strict-json';
import { bytesToUtf8, fromBase64url, toBase64url, utf8ToBytes } from '../crypto/bytes';
import { DUMP_FORMAT, DUMP_VERSION, dumpToRecords, recordsToDump, type VaultRecords } from '../store/dump';
import type { ItemRecord, MetaRecord, SettingsRecord, SlotRecord } from '../store/records';
import type { WriteBatch } from '../store/store';
import type { RemoteRecords } from '../vault/remote-apply';

export const META_SYNC_ID = 'vault:meta';
export const SETTINGS_SYNC_ID = 'vault:settings';
export const itemSyncId = (id: string) => `item:${id}`;
export const slotSyncId = (id: string) => `slot:${id}`;

export type SyncKind = 'meta' | 'settings' | 'slot' | 'item';

/** Which kind of vault record a sync id names, and the record's own id ('' for meta/settings). */
export function parseSyncId(syncId: string): { kind: SyncKind; id: string } | null {
  if (syncId === META_SYNC_ID) return { kind: 'meta', id: '' };
  if (syncId === SETTINGS_SYNC_ID) return { kind: 'settings', id: '' };
  const m = /^(item|slot):([A-Za-z0-9_-]{1,64})$/.exec(syncId);
  return m ? { kind: m[1] as 'item' | 'slot', id: m[2]! } : null;
}

export interface LocalRecordChange {
  readonly id: string;
  readonly deleted: boolean;
  readonly ciphertext: string;
}

const payloadSchema = z.object({ v: z.literal(1), kind: z.enum(['meta', 'settings', 'slot', 'item']), record: z.unknown() });

function wrap(kind: SyncKind, record: unknown): string {
  return toBase64url(utf8ToBytes(JSON.stringify({ v: 1, kind, record })));
}

const empty: VaultRecords = { meta: undefined, settings: undefined, slots: [], items: [], pages: [] };

export function encodeItem(rec: ItemRecord): string {
  return wrap('item', recordsToDump({ ...empty, items: [rec] }).items[0]);
}

/** Every stored record a local write batch changed, as sync changes (pages excluded). */
export function changesOfBatch(b: WriteBatch): LocalRecordChange[] {
  const out: LocalRecordChange[] = [];
  const dump = recordsToDump({
    meta: b.meta,
    settings: b.settings,
    slots: [...(b.putSlots ?? [])],
    items: [...(b.putItems ?? [])],
    pages: [],
  });
  // Meta is immutable once the vault exists (id, format, creation time); later writes
  // of it only flip the local page-rebuild flag. Queue it with a new vault only.
  if (dump.meta && b.clear) {
    // The page-rebuild flag is a local storage detail, not part of the vault.
    const { rebuildPages: _local, ...meta } = dump.meta;
    out.push({ id: META_SYNC_ID, deleted: false, ciphertext: wrap('meta', meta) });
  }
  if (dump.settings) out.push({ id: SETTINGS_SYNC_ID, deleted: false, ciphertext: wrap('settings', dump.settings) });
  for (const id of b.deleteSlots ?? []) out.push({ id: slotSyncId(id), deleted: true, ciphertext: '' });
  for (const s of dump.slots) out.push({ id: slotSyncId(s.id), deleted: false, ciphertext: wrap('slot', s) });
  for (const id of b.deleteItems ?? []) out.push({ id: itemSyncId(id), deleted: true, ciphertext: '' });
  for (const i of dump.items) out.push({ id: itemSyncId(i.id), deleted: false, ciphertext: wrap('item', i) });
  return out;
}

export type DecodedRecord =
  | { readonly kind: 'meta'; readonly record: MetaRecord }
  | { readonly kind: 'settings'; readonly record: SettingsRecord }
  | { readonly kind: 'slot'; readonly record: SlotRecord }
  | { readonly kind: 'item'; readonly record: ItemRecord };

/**
 * Parses one sync ciphertext (zod, through the dump schema). Returns null when it is
 * malformed or names another record than `syncId` (a server swapping records around).
 */
export function decodeRecord(syncId: string, ciphertext: string): DecodedRecord | null {
  const want = parseSyncId(syncId);
  if (!want) return null;
  try {
    // Strict: a repeated member name (e.g. two "version"s) is refused, never read last-value-wins.
    const p = payloadSchema.parse(parseStrictJson(bytesToUtf8(fromBase64url(ciphertext)), 'A synced record'));
    if (p.kind !== want.kind) return null;
    const base = { format: DUMP_FORMAT, version: DUMP_VERSION, meta: null, settings: null, slots: [], items: [], pages: [] };
    switch (p.kind) {
      case 'meta': {
        const r = dumpToRecords({ ...base, meta: p.record }).meta;
        return r ? { kind: 'meta', record: { key: 'vault', formatVersion: r.formatVersion, vaultId: r.vaultId, createdAt: r.createdAt } } : null;
      }
      case 'settings': {
        const r = dumpToRecords({ ...base, settings: p.record }).settings;
        return r ? { kind: 'settings', record: r } : null;
      }
      case 'slot': {
        const r = dumpToRecords({ ...base, slots: [p.record] }).slots[0];
        return r && r.id === want.id ? { kind: 'slot', record: r } : null;
      }
      case 'item': {
        const r = dumpToRecords({ ...base, items: [p.record] }).items[0];
        return r && r.id === want.id ? { kind: 'item', record: r } : null;
      }
    }
  } catch {
    return null;
  }
}

/** Groups decoded pulled records into one engine batch; tombstones become deletes. */
export function toRemoteRecords(records: readonly { id: string; deleted: boolean; decoded: DecodedRecord | null }[]): RemoteRecords {
  let meta: MetaRecord | undefined;
  let settings: SettingsRecord | undefined;
  const putSlots: SlotRecord[] = [];
  const deleteSlots: string[] = [];
  const putItems: ItemRecord[] = [];
  const deleteItems: string[] = [];
  for (const r of records) {
    const at = parseSyncId(r.id);
    if (!at) continue;
    if (r.deleted) {
      if (at.kind === 'slot') deleteSlots.push(at.id);
      if (at.kind === 'item') deleteItems.push(at.id);
      continue;
    }
    const d = r.decoded;
    if (!d) continue;
    if (d.kind === 'meta') meta = d.record;
    else if (d.kind === 'settings') settings = d.record;
    else if (d.kind === 'slot') putSlots.push(d.record);
    else putItems.push(d.record);
  }
  return {
    ...(meta ? { meta } : {}),
    ...(settings ? { settings } : {}),
    putSlots,
    deleteSlots,
    putItems,
    deleteItems,
  };
}
