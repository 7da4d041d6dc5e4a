/**
 * Item operations on an unlocked vault: read (overview from memory, details on
 * demand), create, update, delete, reveal, TOTP, and the gateway's credential use.
 * Each write is one store transaction holding the whole item record and its page.
 */
import type { CredentialOverview, CredentialUse } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import {
  itemDetailsSchema,
  itemDraftSchema,
  itemUpdateSchema,
  type FieldRef,
  type ItemDraft,
  type ItemOverview,
  type ItemSummary,
  type ItemUpdate,
  type ItemView,
  type StoredItemDetails,
} from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { maskDetails, mergeUpdate, readField } from '../items/details';
import { historyEntries, withHistory, withoutHistory } from '../items/history';
import { parseTotp, totpAt } from '../items/totp';
import type { ItemRecord } from '../store/records';
import { canonicalJson } from './canonical';
import type { EngineCore } from './core';
import { newId } from './ids';
import { integrityError, openDetails, openItemKey, openOverview, sealItem } from './item-codec';
import { pageOf, sealPage, type PageEntry } from './pages';

/** The overview without the trash mark: only the engine's trash operations set or clear it. */
export function untrashed(o: ItemOverview): ItemOverview {
  const { trashedAt: _t, ...rest } = o;
  return rest;
}

export function trashedError(id: string): LatchkeyError {
  return new LatchkeyError('conflict', 'This item is in the trash. Restore it before editing it.', { itemId: id });
}

export function summaryOf(e: PageEntry): ItemSummary {
  return { id: e.id, version: e.version, createdAt: e.createdAt, updatedAt: e.updatedAt, overview: e.overview };
}

function parseOrInvalid<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new LatchkeyError('invalid_input', `The ${what} is not valid.`);
  return r.data;
}

/** Reads and authenticates an item record against its overview entry; returns the details. */
export async function loadDetails(core: EngineCore, id: string): Promise<{ entry: PageEntry; rec: ItemRecord; details: StoredItemDetails; itemKey: Uint8Array }> {
  const entry = core.session().get(id);
  if (!entry) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
  const rec = await core.store.readItem(id);
  const s = core.session();
  // A missing record, a record under another id or an older/newer version than the
  // overview we hold means the store was altered (or rolled back) underneath us.
  if (!rec || rec.id !== id || rec.version !== entry.version) throw integrityError(id);
  const itemKey = openItemKey(s.keys.itemWrap, s.vaultId, rec);
  try {
    const ov = openOverview(itemKey, s.vaultId, rec);
    const same = ov.createdAt === entry.createdAt && ov.updatedAt === entry.updatedAt && canonicalJson(ov.overview) === canonicalJson(entry.overview);
    if (!same) throw integrityError(id);
    return { entry, rec, details: openDetails(itemKey, s.vaultId, rec), itemKey };
  } catch (e) {
    wipe(itemKey);
    throw e;
  }
}

/**
 * Seals the next version of a loaded item (same item key) with `overview` and
 * `details` and writes it with its page. The caller holds core.exclusive and wipes itemKey.
 */
export async function rewriteItem(core: EngineCore, entry: PageEntry, itemKey: Uint8Array, overview: ItemOverview, details: StoredItemDetails): Promise<PageEntry> {
  const s = core.session();
  const now = Math.max(core.clock.now(), entry.updatedAt);
  const next: PageEntry = { id: entry.id, version: entry.version + 1, createdAt: entry.createdAt, updatedAt: now, overview };
  const rec = sealItem(s.keys.itemWrap, s.vaultId, entry.id, next.version, itemKey, { createdAt: next.createdAt, updatedAt: now, overview }, details, core.random);
  await writeItem(core, next, rec);
  return next;
}

async function writeItem(core: EngineCore, entry: PageEntry, rec: ItemRecord): Promise<void> {
  const s = core.session();
  const page = pageOf(entry.id);
  const entries = s.pageWith(page, { put: entry });
  const generation = s.pages[page]!.generation + 1;
  const pageRec = sealPage(s.keys.page, s.vaultId, page, generation, entries.values(), core.random);
  await core.commit({ putItems: [rec], putPages: [pageRec] });
  if (core.session() === s) s.commitPage(page, generation, entries, { put: entry });
}

export async function getItem(core: EngineCore, id: string): Promise<ItemView> {
  return loadDetails(core, id).then(({ entry, details, itemKey }) => {
    wipe(itemKey);
    return { ...summaryOf(entry), details: maskDetails(withoutHistory(details)), history: historyEntries(details) };
  });
}

export async function createItem(core: EngineCore, draftIn: ItemDraft): Promise<ItemSummary> {
  const parsed = parseOrInvalid(itemDraftSchema, draftIn, 'item');
  const draft = { ...parsed, overview: untrashed(parsed.overview) };
  return core.exclusive(async () => {
    const s = core.session();
    let id = newId(core.random);
    while (s.get(id)) id = newId(core.random);
    const now = core.clock.now();
    const entry: PageEntry = { id, version: 1, createdAt: now, updatedAt: now, overview: draft.overview };
    const itemKey = core.random.bytes(32);
    let rec: ItemRecord;
    try {
      rec = sealItem(s.keys.itemWrap, s.vaultId, id, 1, itemKey, { createdAt: now, updatedAt: now, overview: draft.overview }, draft.details, core.random);
    } finally {
      wipe(itemKey);
    }
    await writeItem(core, entry, rec);
    await core.audit({ action: 'item.create', actor: { type: 'person' }, target: { itemId: id }, outcome: 'success' });
    core.emit({ type: 'itemsChanged', change: 'created', ids: [id] });
    return summaryOf(entry);
  });
}

/**
 * Creates many items in ONE transaction (import; also how the benchmark fills a
 * vault). Each touched page is re-sealed once, not once per item.
 */
export async function importItems(core: EngineCore, draftsIn: readonly ItemDraft[]): Promise<ItemSummary[]> {
  const drafts = draftsIn.map((d) => parseOrInvalid(itemDraftSchema, d, 'item')).map((d) => ({ overview: untrashed(d.overview), details: d.details, version: 1 }));
  return core.exclusive(() => writeNewItems(core, drafts));
}

/** A new item record as written: the overview as given (trash mark included) and the stored details (history included). */
export interface NewItemSpec {
  readonly overview: ItemOverview;
  readonly details: StoredItemDetails;
  readonly version: number;
}

/**
 * Writes new items (new ids, the time of writing) in ONE transaction with their pages
 * and one audit segment. The caller validated the specs and holds core.exclusive.
 */
export async function writeNewItems(core: EngineCore, specs: readonly NewItemSpec[]): Promise<ItemSummary[]> {
  const s = core.session();
  const now = core.clock.now();
  const putItems: ItemRecord[] = [];
  const byPage = new Map<number, PageEntry[]>();
  const taken = new Set<string>();
  for (const spec of specs) {
    let id = newId(core.random);
    while (s.get(id) || taken.has(id)) id = newId(core.random);
    taken.add(id);
    const itemKey = core.random.bytes(32);
    try {
      putItems.push(sealItem(s.keys.itemWrap, s.vaultId, id, spec.version, itemKey, { createdAt: now, updatedAt: now, overview: spec.overview }, spec.details, core.random));
    } finally {
      wipe(itemKey);
    }
    const entry: PageEntry = { id, version: spec.version, createdAt: now, updatedAt: now, overview: spec.overview };
    const list = byPage.get(pageOf(id)) ?? [];
    list.push(entry);
    byPage.set(pageOf(id), list);
  }
  const pageWrites = [...byPage].map(([page, added]) => {
    const entries = new Map(s.pages[page]!.entries);
    for (const e of added) entries.set(e.id, e);
    const generation = s.pages[page]!.generation + 1;
    return { page, added, entries, generation, rec: sealPage(s.keys.page, s.vaultId, page, generation, entries.values(), core.random) };
  });
  await core.commit({ putItems, putPages: pageWrites.map((w) => w.rec) });
  if (core.session() === s) for (const w of pageWrites) s.commitPage(w.page, w.generation, w.entries, { puts: w.added });
  // One audit segment for the whole import (one store write, one seal), not one append per item.
  await core.auditMany(putItems.map((r) => ({ action: 'item.create', actor: { type: 'person' }, target: { itemId: r.id }, outcome: 'success' })));
  core.emit({ type: 'itemsChanged', change: 'created', ids: putItems.map((r) => r.id) });
  return pageWrites.flatMap((w) => w.added.map(summaryOf));
}

export async function updateItem(core: EngineCore, updIn: ItemUpdate): Promise<ItemSummary> {
  const upd = parseOrInvalid(itemUpdateSchema, updIn, 'item update');
  return core.exclusive(async () => {
    const current = core.session().get(upd.id);
    if (!current) throw new LatchkeyError('not_found', 'No such item.', { itemId: upd.id });
    if (current.version !== upd.baseVersion) {
      throw new LatchkeyError('conflict', 'The item changed since you opened it. Reload it and edit again.', { itemId: upd.id, version: current.version });
    }
    if (current.overview.trashedAt !== undefined) throw trashedError(upd.id);
    if (current.overview.kind !== upd.overview.kind) throw new LatchkeyError('invalid_input', 'An item cannot change kind.', { itemId: upd.id });
    const { entry, details, itemKey } = await loadDetails(core, upd.id);
    try {
      const merged = parseOrInvalid(itemDetailsSchema, mergeUpdate(withoutHistory(details), upd.details), 'item details');
      // The concealed values this edit replaces become the newest previous version.
      const stored = withHistory(details, entry.version, merged, Math.max(core.clock.now(), entry.updatedAt));
      const next = await rewriteItem(core, entry, itemKey, untrashed(upd.overview), stored);
      await core.audit({ action: 'item.update', actor: { type: 'person' }, target: { itemId: entry.id }, outcome: 'success' });
      core.emit({ type: 'itemsChanged', change: 'updated', ids: [entry.id] });
      return summaryOf(next);
    } finally {
      wipe(itemKey);
    }
  });
}

/**
 * Deletes item records for good (delete forever, empty trash, the 30-day purge): one
 * transaction, each touched page re-sealed once. The sync outbox sends tombstones.
 * The caller holds core.exclusive.
 */
export async function deleteItems(core: EngineCore, ids: readonly string[], audit: { actor: 'person' | 'system'; reason: 'purged' | 'expired' }): Promise<void> {
  const s = core.session();
  const byPage = new Map<number, string[]>();
  for (const id of ids) {
    if (!s.get(id)) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
    const list = byPage.get(pageOf(id)) ?? [];
    list.push(id);
    byPage.set(pageOf(id), list);
  }
  if (byPage.size === 0) return;
  const writes = [...byPage].map(([page, removed]) => {
    const entries = new Map(s.pages[page]!.entries);
    for (const id of removed) entries.delete(id);
    const generation = s.pages[page]!.generation + 1;
    return { page, removed, entries, generation, rec: sealPage(s.keys.page, s.vaultId, page, generation, entries.values(), core.random) };
  });
  await core.commit({ deleteItems: [...ids], putPages: writes.map((w) => w.rec) });
  if (core.session() === s) for (const w of writes) s.commitPage(w.page, w.generation, w.entries, { removeIds: w.removed });
  await core.auditMany(ids.map((id) => ({ action: 'item.delete', actor: { type: audit.actor }, target: { itemId: id }, outcome: 'success', reason: audit.reason })));
  core.emit({ type: 'itemsChanged', change: 'deleted', ids: [...ids] });
}

/** Deletes an item record for good, in the trash or not (the person's delete is trash-ops.ts moveToTrash). */
export async function deleteItem(core: EngineCore, id: string): Promise<void> {
  return core.exclusive(async () => {
    const s = core.session();
    if (!s.get(id)) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
    const page = pageOf(id);
    const entries = s.pageWith(page, { removeId: id });
    const generation = s.pages[page]!.generation + 1;
    const pageRec = sealPage(s.keys.page, s.vaultId, page, generation, entries.values(), core.random);
    await core.commit({ deleteItems: [id], putPages: [pageRec] });
    if (core.session() === s) s.commitPage(page, generation, entries, { removeId: id });
    await core.audit({ action: 'item.delete', actor: { type: 'person' }, target: { itemId: id }, outcome: 'success' });
    core.emit({ type: 'itemsChanged', change: 'deleted', ids: [id] });
  });
}

export async function revealField(core: EngineCore, id: string, field: FieldRef, purpose: 'reveal' | 'copy'): Promise<string> {
  const { details, itemKey } = await loadDetails(core, id);
  wipe(itemKey);
  const value = readField(withoutHistory(details), field, id);
  // Audited before the value leaves: if the record cannot be written, the value is not returned.
  await core.audit({ action: purpose === 'copy' ? 'item.copy' : 'item.reveal', actor: { type: 'person' }, target: { itemId: id, field }, outcome: 'success' });
  return value;
}

export async function totpCode(core: EngineCore, id: string): Promise<{ code: string; period: number; validUntil: number }> {
  const { details, itemKey } = await loadDetails(core, id);
  wipe(itemKey);
  if (details.kind !== 'login' || !details.totp) throw new LatchkeyError('not_found', 'This item has no TOTP seed.', { itemId: id });
  const cfg = parseTotp(details.totp);
  try {
    const { code, validUntil } = totpAt(cfg, core.clock.now());
    return { code, period: cfg.period, validUntil };
  } finally {
    wipe(cfg.secret);
  }
}

export function listCredentials(core: EngineCore): CredentialOverview[] {
  const out: CredentialOverview[] = [];
  for (const e of core.session().entries()) {
    const o = e.overview;
    // A trashed credential is not offered to agents (nor resolved by reference: references resolve over this list).
    if (o.kind !== 'api_credential' || !o.injection || o.trashedAt !== undefined) continue;
    out.push({
      id: e.id,
      name: o.title,
      description: o.description ?? '',
      injection: o.injection,
      allowedOrigins: o.allowedOrigins ?? [],
      updatedAt: e.updatedAt,
      ...(o.canary === true ? { canary: true } : {}),
      ...(o.tags.length > 0 ? { tags: [...o.tags] } : {}),
      ...(o.swapInBody === true ? { swapInBody: true } : {}),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function useCredential(core: EngineCore, itemId: string, agentId?: string): Promise<CredentialUse> {
  const known = core.session().get(itemId);
  if (!known || known.overview.kind !== 'api_credential' || known.overview.trashedAt !== undefined)
    throw new LatchkeyError('not_found', 'No API credential with this id.', { itemId });
  // A canary is never released, whoever asks: main raises the alarm before it gets here.
  if (known.overview.canary === true) {
    await core.audit({
      action: 'item.release',
      actor: agentId ? { type: 'agent', id: agentId } : { type: 'system' },
      target: { itemId },
      outcome: 'denied',
      reason: 'canary_tripped',
    });
    throw new LatchkeyError('forbidden', 'This credential cannot be used.', { itemId });
  }
  const { entry, details, itemKey } = await loadDetails(core, itemId);
  wipe(itemKey);
  if (details.kind !== 'api_credential' || !entry.overview.injection) throw integrityError(itemId);
  await core.audit({ action: 'item.release', actor: agentId ? { type: 'agent', id: agentId } : { type: 'system' }, target: { itemId }, outcome: 'success' });
  return {
    id: itemId,
    version: entry.version,
    injection: entry.overview.injection,
    allowedOrigins: entry.overview.allowedOrigins ?? [],
    secret: details.secret,
    fields: Object.fromEntries(details.customFields.map((c) => [c.name, c.value])),
  };
}
