/**
 * After VK is recovered: check the stored records against the vault head (head.ts),
 * then load the 64 overview pages and the settings into a session.
 *
 * The head is the truth. Anything that differs from it is reported by name
 * (IntegrityIssue) and repaired from the newest AUTHENTIC data, and the repair is
 * written back with a new head in one transaction, so it is reported once:
 * - a page that differs (replayed, altered, missing) is rebuilt from the item records
 *   the head vouches for;
 * - an item record whose version differs from the head's ('older'/'newer'), one the
 *   head does not list ('added') or one that fails to authenticate is left out and
 *   removed (its authentic version is gone — keeping an unverifiable copy would let it
 *   pass later); one the head lists but the store lacks is reported 'missing';
 * - a settings record that differs is replaced by the defaults;
 * - a slot the head does not list (or lists with another digest: an old copy put
 *   back) is removed; the slot that opened VK must be listed, else the unlock is
 *   refused (engine.ts).
 * Repairs are written with origin 'sync' so the sync outbox does not push the
 * removals to other devices: they are this device's local damage.
 *
 * A vault without a head is accepted only in the two states that legitimately have
 * none — format 1 (before heads), or a vault received by sync and never unlocked
 * here (no pages yet) — and then the head is created from the stored records
 * (trust on first use) and that is reported ('vault_head', 'created'). Any other
 * vault without a head is refused: deleting the head must not turn checks off.
 */
import { engineSettingsSchema, type EngineSettings } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import { open, seal } from '../crypto/aead';
import { bytesToUtf8, utf8ToBytes, wipe } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import { PAGE_COUNT, VAULT_FORMAT_VERSION, type HeadRecord, type MetaRecord, type PageRecord, type SettingsRecord, type SlotRecord } from '../store/records';
import type { VaultStore, WriteBatch } from '../store/store';
import { applyToHead, openHead, pageDigest, sameDigest, sealHead, settingsDigest, stateOf, unpackPageItems, type HeadState, type PageItems } from './head';
import { openHeadV1 } from './head-v1';
import { openItemKey, openOverview } from './item-codec';
import type { VaultKeys } from './keys';
import { openPage, pageFormat, pageOfId, pagePrefix, sealPage, type PageEntry } from './pages';
import type { IntegrityIssue } from './session';

export const DEFAULT_SETTINGS: EngineSettings = { autoLockMinutes: 15 };

function settingsAad(vaultId: string, version: number) {
  return { context: 'settings' as const, vaultId, objectId: '', version, part: 'settings' };
}

export function sealSettings(keys: VaultKeys, vaultId: string, version: number, s: EngineSettings, random: RandomSource): SettingsRecord {
  return { key: 'settings', version, envelope: seal(keys.settings, utf8ToBytes(JSON.stringify(s)), settingsAad(vaultId, version), random) };
}

export function openSettings(keys: VaultKeys, vaultId: string, rec: SettingsRecord): EngineSettings | null {
  try {
    const pt = open(keys.settings, rec.envelope, settingsAad(vaultId, rec.version));
    return engineSettingsSchema.parse(JSON.parse(bytesToUtf8(pt)));
  } catch {
    return null;
  }
}

/** The page's entries, rebuilt from the item records the head vouches for (two AEAD operations per item). */
async function rebuildPage(
  store: VaultStore,
  keys: VaultKeys,
  vaultId: string,
  page: number,
  trusted: ReadonlyMap<string, number>,
  issues: IntegrityIssue[],
  drop: Set<string>,
): Promise<PageEntry[]> {
  const out: PageEntry[] = [];
  for (const rec of await store.readItemsWithPrefix(pagePrefix(page))) {
    const want = trusted.get(rec.id);
    if (want === undefined) continue; // added or already dropped: reported by the caller
    if (want !== rec.version) {
      issues.push({ where: 'item', id: rec.id, problem: rec.version < want ? 'older' : 'newer' });
      drop.add(rec.id);
      continue;
    }
    let k: Uint8Array | undefined;
    try {
      k = openItemKey(keys.itemWrap, vaultId, rec);
      const ov = openOverview(k, vaultId, rec);
      out.push({ id: rec.id, version: rec.version, createdAt: ov.createdAt, updatedAt: ov.updatedAt, overview: ov.overview });
    } catch {
      issues.push({ where: 'item', id: rec.id, problem: 'unauthentic' });
      drop.add(rec.id);
    } finally {
      wipe(k);
    }
  }
  return out;
}

/** True when the page lists exactly the head's items of that page (ids and versions). */
function sameItems(entries: readonly PageEntry[], list: PageItems): boolean {
  const { ids, versions } = list;
  if (entries.length !== ids.length) return false;
  const want = new Map<string, number>();
  for (let k = 0; k < ids.length; k++) want.set(ids[k]!, versions[k]!);
  // toEntries refuses a repeated id, so equal counts and every entry listed mean equal sets.
  return entries.every((e) => want.get(e.id) === e.version);
}

export interface LoadedVault {
  pages: { generation: number; entries: PageEntry[] }[];
  settings: EngineSettings;
  settingsVersion: number;
  head: HeadState;
}

/** A verified head with every page's item list; `migrated` = it was stored in layout 1 (vault format 2). */
interface TrustedHead {
  readonly head: HeadState;
  readonly items: PageItems[];
  readonly migrated: boolean;
}

export function headMissingError(): LatchkeyError {
  return new LatchkeyError(
    'integrity',
    "This vault's integrity record is missing, so Latchkey cannot tell whether records were rolled back or removed. Restore the vault from a backup or from your organisation's server.",
    { record: 'vault_head' },
  );
}

export function headUnauthenticError(slotId: string): LatchkeyError {
  return new LatchkeyError(
    'integrity',
    "This vault's integrity record does not match this key slot: the slot may be an old copy put back, or the record was altered. Use another way in.",
    { record: 'vault_head', slotId },
  );
}

function listsOf(head: HeadState): PageItems[] {
  return head.pages.map((p, n) => {
    const list = unpackPageItems(p.items, n);
    if (!list) throw new Error('head page items');
    return list;
  });
}

/**
 * The stored head, authenticated under `keys`; or, for a vault that legitimately has
 * none, null (the caller then creates it). Throws 'integrity' otherwise.
 */
export async function readTrustedHead(
  store: VaultStore,
  meta: MetaRecord,
  keys: VaultKeys,
  slotId: string,
  headRead: Promise<HeadRecord | undefined> = store.readHead(),
): Promise<TrustedHead | null> {
  const rec = await headRead;
  if (rec) {
    if (rec.v === 1) {
      // Layout 1 exists only in format-2 vaults: a format-3 vault with one had its head put back.
      const h = meta.formatVersion <= 2 ? openHeadV1(keys.head, meta.vaultId, rec, await store.readPages()) : null;
      if (!h) throw headUnauthenticError(slotId);
      return { head: h, items: listsOf(h), migrated: true };
    }
    const h = openHead(keys.head, meta.vaultId, rec);
    if (!h) throw headUnauthenticError(slotId);
    return { ...h, migrated: false };
  }
  const pages = await store.readPages();
  // Format 1 never wrote a format-2 page: one here means a head existed and was removed.
  if (meta.formatVersion < 2) return pages.some((p) => (pageFormat(keys.page, meta.vaultId, p) ?? 1) >= 2) ? Promise.reject(headMissingError()) : null;
  if (pages.length === 0) return null; // received by sync, never unlocked here
  throw headMissingError();
}

/** The slot that opened VK must be one the head lists with the same digest. */
export function slotInHead(head: TrustedHead | null, slot: SlotRecord): boolean {
  return head === null || sameDigest(head.head.slots.get(slot.id), slot.digest);
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The reads unlock needs after VK, asked for together (see startReads). */
export interface VaultReads {
  readonly meta: Promise<MetaRecord | undefined>;
  readonly head: Promise<HeadRecord | undefined>;
  readonly pages: Promise<PageRecord[]>;
  readonly settings: Promise<SettingsRecord | undefined>;
  readonly slots: Promise<SlotRecord[]>;
  /** Every item id (keys only); unused on first use, which reads the records instead. */
  readonly ids: Promise<string[]>;
}

/**
 * Asks the store for everything unlock reads, at once, before the head is verified: a
 * real IndexedDB serves them on its own thread while this one checks the head (its MAC
 * hashes every item id) and opens the pages. Nothing read is used before the head
 * vouches for it.
 *
 * In the order they are needed: Chromium's IndexedDB answers one request after another,
 * so the meta and head asked for after the item ids (100k keys: 200-600 ms there) would
 * wait for them, and the head check and page decryption with them. Asked for last, the
 * ids are listed while this thread decrypts the pages, which is where they are needed.
 */
export function startReads(store: VaultStore): VaultReads {
  const reads = {
    meta: store.readMeta(),
    head: store.readHead(),
    pages: store.readPages(),
    settings: store.readSettings(),
    slots: store.readSlots(),
    ids: store.readItemIds(),
  };
  // A refused head ends the unlock before these are awaited: not an unhandled rejection.
  for (const p of Object.values(reads)) (p as Promise<unknown>).catch(() => undefined);
  return reads;
}

export async function loadVault(
  store: VaultStore,
  meta: MetaRecord,
  keys: VaultKeys,
  random: RandomSource,
  issues: IntegrityIssue[],
  trustedHead: TrustedHead | null,
  reads: VaultReads = startReads(store),
): Promise<LoadedVault> {
  const vaultId = meta.vaultId;
  const firstUse = trustedHead === null;
  const [storedPages, srec, slots] = await Promise.all([reads.pages, reads.settings, reads.slots]);
  const drop = new Set<string>();
  const added: string[] = [];
  // Unlock reads item ids only (keys, no records: docs/performance.md). A record's
  // version is checked against the head when its page is rebuilt (below) and when the
  // item is opened (item-ops.ts); the migration reads every record once.
  let head: HeadState;
  let lists: PageItems[];
  const storeIds: string[][] = Array.from({ length: PAGE_COUNT }, () => []);
  // Asked for first (startReads), awaited after the pages are opened: a real IndexedDB
  // lists the keys on its own thread while this one decrypts.
  const idsRead = firstUse ? undefined : reads.ids;
  const byNumber = new Map(storedPages.map((p) => [p.page, p]));
  const openedPages: Array<PageEntry[] | null> = [];
  if (firstUse) {
    const versions = (await store.readItemVersions()).filter(([id]) => pageOfId(id) >= 0 || !added.push(id));
    for (const [id] of versions) storeIds[pageOfId(id)]!.push(id);
    head = stateOf({ settings: srec, slots, pages: storedPages, items: versions });
    lists = listsOf(head);
    issues.push({ where: 'vault_head', id: 'vault_head', problem: 'created' });
  } else {
    head = trustedHead.head;
    lists = trustedHead.items;
  }
  // A page the head vouches for lists exactly the head's items of that page (on first
  // use: exactly the item records of that page).
  for (let page = 0; page < PAGE_COUNT; page++) {
    const rec = byNumber.get(page);
    const committed = head.pages[page]!;
    const matches = rec !== undefined && (firstUse || (rec.generation === committed.generation && sameDigest(pageDigest(rec), committed.digest)));
    const entries = matches ? openPage(keys.page, vaultId, rec) : null;
    openedPages.push(entries && sameItems(entries, lists[page]!) ? entries : null);
  }
  if (idsRead) {
    for (const id of await idsRead) {
      const p = pageOfId(id);
      if (p < 0) added.push(id);
      else storeIds[p]!.push(id);
    }
  }

  // Items: the head's list is the truth. Per page, both lists sorted: one merge.
  const missing: string[] = [];
  const missingOn: Array<Set<string> | undefined> = [];
  for (let n = 0; n < PAGE_COUNT; n++) {
    const want = lists[n]!.ids;
    const have = storeIds[n]!;
    for (let k = 1; k < have.length; k++) {
      if (byId(have[k - 1]!, have[k]!) >= 0) {
        have.sort(byId);
        break;
      }
    }
    let i = 0;
    let j = 0;
    while (i < want.length || j < have.length) {
      const c = i === want.length ? 1 : j === have.length ? -1 : byId(want[i]!, have[j]!);
      if (c === 0) {
        i++;
        j++;
      } else if (c < 0) {
        missing.push(want[i]!);
        (missingOn[n] ??= new Set()).add(want[i++]!);
      } else added.push(have[j++]!);
    }
  }
  for (const id of missing) issues.push({ where: 'item', id, problem: 'missing' });
  for (const id of added) {
    issues.push({ where: 'item', id, problem: 'added' });
    drop.add(id);
  }

  // Pages: a page that matches the head is used as stored; any other is rebuilt.
  const pages: { generation: number; entries: PageEntry[] }[] = [];
  const putPages: PageRecord[] = [];
  for (let page = 0; page < PAGE_COUNT; page++) {
    const rec = byNumber.get(page);
    const committed = head.pages[page]!;
    const gone = missingOn[page];
    let entries = openedPages[page]!;
    if (entries && (gone || firstUse)) {
      // Authentic but some of its items are gone from the store: kept, minus them. On
      // first use re-sealed as format 2, the mark that this vault now has a head.
      if (gone) entries = entries.filter((e) => !gone.has(e.id));
      const generation = (firstUse ? rec!.generation : committed.generation) + 1;
      putPages.push(sealPage(keys.page, vaultId, page, generation, entries, random));
      pages.push({ generation, entries });
      continue;
    }
    if (entries) {
      pages.push({ generation: rec!.generation, entries });
      continue;
    }
    // Format 1 vaults may lack pages; that is the migration, already reported as 'created'.
    if (!firstUse || rec !== undefined) issues.push({ where: 'overview_page', id: String(page), problem: rec === undefined ? 'missing' : 'replayed' });
    const trusted = new Map<string, number>();
    const { ids, versions } = lists[page]!;
    for (let k = 0; k < ids.length; k++) if (!gone?.has(ids[k]!)) trusted.set(ids[k]!, versions[k]!);
    const rebuilt = await rebuildPage(store, keys, vaultId, page, trusted, issues, drop);
    const generation = Math.max(committed.generation, rec?.generation ?? 0) + 1;
    putPages.push(sealPage(keys.page, vaultId, page, generation, rebuilt, random));
    pages.push({ generation, entries: rebuilt });
  }
  const repair: { -readonly [K in keyof WriteBatch]: WriteBatch[K] } = { origin: 'sync' };
  const dropIds = [...drop];
  if (dropIds.length) repair.deleteItems = dropIds;
  if (putPages.length) repair.putPages = putPages;

  // Slots: one the head does not list as stored (an old copy put back, or added) stays
  // unusable and is reported at every unlock; the head keeps the genuine digest, so
  // putting the genuine slot back makes it work again. A slot gone from the store is
  // reported once and dropped from the head.
  const badSlots = firstUse ? [] : slots.filter((x) => !sameDigest(head.slots.get(x.id), x.digest)).map((x) => x.id);
  for (const id of badSlots) if (!issues.some((i) => i.where === 'slot' && i.id === id)) issues.push({ where: 'slot', id, problem: head.slots.has(id) ? 'older' : 'added' });
  const goneSlots = [...head.slots.keys()].filter((id) => !slots.some((x) => x.id === id));
  for (const id of goneSlots) issues.push({ where: 'slot', id, problem: 'missing' });

  // Settings.
  let settings = DEFAULT_SETTINGS;
  let settingsVersion = srec?.version ?? 0;
  const settingsMatch =
    firstUse || (head.settings === null ? srec === undefined : !!srec && srec.version === head.settings.version && sameDigest(settingsDigest(srec), head.settings.digest));
  const opened = srec && settingsMatch ? openSettings(keys, vaultId, srec) : null;
  if (opened) settings = opened;
  else if (srec || head.settings) {
    issues.push({
      where: 'settings',
      id: 'settings',
      problem: !srec ? 'missing' : settingsMatch ? 'unauthentic' : head.settings && srec.version < head.settings.version ? 'older' : 'replayed',
    });
    settingsVersion = Math.max(settingsVersion, head.settings?.version ?? 0) + 1;
    repair.settings = sealSettings(keys, vaultId, settingsVersion, DEFAULT_SETTINGS, random);
  }

  // The head after the repair must describe exactly what the store then holds: the
  // head's items minus the missing and the removed, its slots minus the gone ones.
  const next = applyToHead(head, { ...repair, deleteItems: [...missing, ...dropIds.filter((id) => pageOfId(id) >= 0)], deleteSlots: goneSlots });
  const migrated = firstUse || trustedHead.migrated;
  const changed = migrated || putPages.length > 0 || dropIds.length > 0 || goneSlots.length > 0 || !!repair.settings || missing.length > 0;
  // A migration also rewrites the meta at the current format, so a later missing head is refused.
  if (migrated && meta.formatVersion < VAULT_FORMAT_VERSION) repair.meta = { key: 'vault', formatVersion: VAULT_FORMAT_VERSION, vaultId, createdAt: meta.createdAt };
  if (changed) await store.commit({ ...repair, head: sealHead(keys.head, vaultId, next) });
  return { pages, settings, settingsVersion, head: next };
}

export function noVault(): LatchkeyError {
  return new LatchkeyError('no_vault', 'There is no vault yet. Create one first.');
}
