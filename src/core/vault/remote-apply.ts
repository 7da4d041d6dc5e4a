/**
 * Records that arrive from another device (through the org server, as the exact
 * ciphertext records that device stored) and the item codec the sync merge needs.
 * Used only by src/core/vault-sync; exposed on the engine as `applyRemoteRecords`,
 * `openItemRecord` and `sealMergedItem` (NOT over RPC: their results hold plaintext).
 *
 * Trust rules (the server is not trusted with integrity either):
 * - With no local vault yet (a new device), the vault's meta, slots, settings and items
 *   are written as received, without pages or head: the first unlock builds both from
 *   the item records, authenticating each under the vault key, leaving out (and
 *   reporting) any that fail, and reports that the head was created (trust on first
 *   use, vault-format.md §6.1). Slots must be well-formed (slots/check.ts). There is
 *   no local data such a write could overwrite.
 * - With a local vault that is locked, nothing is written ('locked'): the caller keeps
 *   the records (ciphertext) and offers them again after unlock, when they can be checked.
 * - Unlocked: every item record must authenticate under this vault's keys (item key,
 *   overview and details envelopes, id and version bound in the AAD); settings must
 *   open; slots must pass their digest; meta must name this vault. Anything that fails
 *   is refused ('integrity') and the local copy stays as it was. The rest is written
 *   in ONE store transaction together with the re-sealed overview pages, and the
 *   running session picks it up (itemsChanged event).
 */
import type { StoredItemDetails } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { PAGE_COUNT, type ItemRecord, type SettingsRecord } from '../store/records';
import type { WriteBatch } from '../store/store';
import type { EngineCore } from './core';
import { openDetails, openItemKey, openOverview, sealItem, type OverviewPayload } from './item-codec';
import { openSettings } from './open-vault';
import { pageOf, sealPage, type PageEntry } from './pages';
import type { UnlockedSession } from './session';
import { slotProblem, type SlotRegistry } from './slots';
import { LatchkeyError } from '../../shared/errors';

/** Records pulled from the org server: the part of a store write that sync may carry (pages are per device). */
export type RemoteRecords = Pick<WriteBatch, 'meta' | 'settings' | 'putSlots' | 'deleteSlots' | 'putItems' | 'deleteItems'>;

export interface RefusedRecord {
  readonly kind: 'meta' | 'settings' | 'slot' | 'item';
  /** Slot or item id; '' for meta and settings. */
  readonly id: string;
}

export interface RemoteApplyResult {
  /** 'locked': a vault exists here but is locked: nothing was written (offer again after unlock). */
  readonly state: 'applied' | 'bootstrapped' | 'locked';
  readonly refused: readonly RefusedRecord[];
}

/** A decrypted item: what the merge works on. Holds secrets: never leaves the worker. */
export interface ItemContent {
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly overview: OverviewPayload['overview'];
  readonly details: StoredItemDetails;
}

export async function applyRemoteRecords(core: EngineCore, registry: SlotRegistry, isUnlocked: () => boolean, r: RemoteRecords): Promise<RemoteApplyResult> {
  const meta = await core.store.readMeta();
  if (!meta) return bootstrap(core, registry, r);
  if (!isUnlocked()) return { state: 'locked', refused: [] };
  const s = core.session();
  const refused: RefusedRecord[] = [];
  if (r.meta && r.meta.vaultId !== s.vaultId) refused.push({ kind: 'meta', id: '' });

  let settings: SettingsRecord | undefined;
  let settingsValue: ReturnType<typeof openSettings> = null;
  if (r.settings) {
    settingsValue = r.settings.version > s.settingsVersion ? openSettings(s.keys, s.vaultId, r.settings) : null;
    if (settingsValue) settings = r.settings;
    else if (r.settings.version > s.settingsVersion) refused.push({ kind: 'settings', id: '' });
  }
  // Each slot on its own: a crafted one is refused by name and the rest still apply.
  const putSlots = (r.putSlots ?? []).filter((x) => slotProblem(registry, s.vaultId, x) === null || (refused.push({ kind: 'slot', id: x.id }), false));
  const currentSlots = await core.store.readSlots();
  const remaining = new Set([...currentSlots.map((x) => x.id), ...putSlots.map((x) => x.id)]);
  for (const id of r.deleteSlots ?? []) remaining.delete(id);
  // Never let a remote delete leave the vault with no way in.
  const deleteSlots = remaining.size > 0 ? [...(r.deleteSlots ?? [])] : [];

  const puts: PageEntry[] = [];
  const putItems: ItemRecord[] = [];
  for (const rec of r.putItems ?? []) {
    const entry = authenticate(s, rec);
    if (!entry) refused.push({ kind: 'item', id: rec.id });
    else {
      puts.push(entry);
      putItems.push(rec);
    }
  }
  const deleteItems = (r.deleteItems ?? []).filter((id) => s.get(id) !== undefined);

  const pageWrites = touchedPages(s, puts, deleteItems).map((w) => ({ ...w, rec: sealPage(s.keys.page, s.vaultId, w.page, w.generation, w.entries.values(), core.random) }));
  await core.commit({
    origin: 'sync',
    ...(settings ? { settings } : {}),
    putSlots,
    deleteSlots,
    putItems,
    deleteItems,
    putPages: pageWrites.map((w) => w.rec),
  });
  if (core.session() === s) {
    for (const w of pageWrites) s.commitPage(w.page, w.generation, w.entries, { puts: w.puts, removeIds: w.removes });
    if (settings && settingsValue) {
      const serversChanged = JSON.stringify(s.settings.mcpServers ?? null) !== JSON.stringify(settingsValue.mcpServers ?? null);
      s.settings = settingsValue;
      s.settingsVersion = settings.version;
      if (serversChanged) core.emit({ type: 'mcpServersChanged' });
    }
  }
  if (puts.length) core.emit({ type: 'itemsChanged', change: 'updated', ids: puts.map((e) => e.id) });
  if (deleteItems.length) core.emit({ type: 'itemsChanged', change: 'deleted', ids: deleteItems });
  return { state: 'applied', refused };
}

async function bootstrap(core: EngineCore, registry: SlotRegistry, r: RemoteRecords): Promise<RemoteApplyResult> {
  // Without the vault's meta there is nothing to bind the rest to: wait for it.
  if (!r.meta) return { state: 'locked', refused: [] };
  const vaultId = r.meta.vaultId;
  const refused: RefusedRecord[] = [];
  const putSlots = (r.putSlots ?? []).filter((x) => slotProblem(registry, vaultId, x) === null || (refused.push({ kind: 'slot', id: x.id }), false));
  const deleted = new Set(r.deleteItems ?? []);
  await core.store.commit({
    origin: 'sync',
    clear: true,
    meta: { key: 'vault', formatVersion: r.meta.formatVersion, vaultId: r.meta.vaultId, createdAt: r.meta.createdAt },
    ...(r.settings ? { settings: r.settings } : {}),
    putSlots,
    putItems: (r.putItems ?? []).filter((x) => !deleted.has(x.id)),
  });
  return { state: 'bootstrapped', refused };
}

/** The item's page entry if every envelope of `rec` opens under this vault's keys. */
function authenticate(s: UnlockedSession, rec: ItemRecord): PageEntry | null {
  let k: Uint8Array | undefined;
  try {
    k = openItemKey(s.keys.itemWrap, s.vaultId, rec);
    const ov = openOverview(k, s.vaultId, rec);
    openDetails(k, s.vaultId, rec);
    return { id: rec.id, version: rec.version, createdAt: ov.createdAt, updatedAt: ov.updatedAt, overview: ov.overview };
  } catch {
    return null;
  } finally {
    wipe(k);
  }
}

function touchedPages(s: UnlockedSession, puts: readonly PageEntry[], removes: readonly string[]) {
  const byPage = new Map<number, { puts: PageEntry[]; removes: string[] }>();
  const at = (p: number) => {
    let w = byPage.get(p);
    if (!w) byPage.set(p, (w = { puts: [], removes: [] }));
    return w;
  };
  for (const e of puts) at(pageOf(e.id)).puts.push(e);
  for (const id of removes) at(pageOf(id)).removes.push(id);
  return [...byPage].map(([page, w]) => {
    if (page < 0 || page >= PAGE_COUNT) throw new LatchkeyError('internal', 'Page out of range.');
    const entries = new Map(s.pages[page]!.entries);
    for (const id of w.removes) entries.delete(id);
    for (const e of w.puts) entries.set(e.id, e);
    return { page, generation: s.pages[page]!.generation + 1, entries, ...w };
  });
}

/** Decrypts an item record of this vault (any version); 'integrity' if it does not authenticate. */
export function openItemRecord(core: EngineCore, rec: ItemRecord): ItemContent {
  const s = core.session();
  const k = openItemKey(s.keys.itemWrap, s.vaultId, rec);
  try {
    const ov = openOverview(k, s.vaultId, rec);
    return { createdAt: ov.createdAt, updatedAt: ov.updatedAt, overview: ov.overview, details: openDetails(k, s.vaultId, rec) };
  } finally {
    wipe(k);
  }
}

/**
 * Seals `content` as item `id` at a version above both the local one and
 * `aboveVersion`, stores it (origin 'sync': the sync client pushes it itself) and
 * returns the record. Used for a merge result and for a kept conflicting copy.
 */
export async function sealMergedItem(core: EngineCore, id: string, content: Omit<ItemContent, 'updatedAt'>, aboveVersion: number): Promise<ItemRecord> {
  const s = core.session();
  const version = Math.max(s.get(id)?.version ?? 0, aboveVersion) + 1;
  const updatedAt = core.clock.now();
  const itemKey = core.random.bytes(32);
  let rec: ItemRecord;
  try {
    rec = sealItem(s.keys.itemWrap, s.vaultId, id, version, itemKey, { createdAt: content.createdAt, updatedAt, overview: content.overview }, content.details, core.random);
  } finally {
    wipe(itemKey);
  }
  const entry: PageEntry = { id, version, createdAt: content.createdAt, updatedAt, overview: content.overview };
  const page = pageOf(id);
  const entries = s.pageWith(page, { put: entry });
  const generation = s.pages[page]!.generation + 1;
  await core.commit({ origin: 'sync', putItems: [rec], putPages: [sealPage(s.keys.page, s.vaultId, page, generation, entries.values(), core.random)] });
  if (core.session() === s) s.commitPage(page, generation, entries, { put: entry });
  core.emit({ type: 'itemsChanged', change: 'updated', ids: [id] });
  return rec;
}
