/**
 * The trash (docs/vault-format.md §5.3). Deleting an item marks its overview with
 * `trashedAt` in a new item version — same record, same item key, every field, tag and
 * grant kept (grants name the item id, which does not change) — so the trash is sealed
 * and synced exactly like items, and a restore is one more version. Trashed items are
 * left out of listing, search and everything agents reach (item-ops.ts). Deleting
 * forever, emptying the trash and the purge after TRASH_DAYS remove the records (the
 * sync outbox sends tombstones).
 */
import { LatchkeyError } from '../../shared/errors';
import { TRASH_DAYS, type ItemSummary } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import type { EngineCore } from './core';
import type { UnlockedSession } from './session';
import { deleteItems, loadDetails, rewriteItem, summaryOf, untrashed } from './item-ops';

export const TRASH_MS = TRASH_DAYS * 24 * 60 * 60 * 1000;

function trashedEntry(core: EngineCore, id: string) {
  const e = core.session().get(id);
  if (!e) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
  if (e.overview.trashedAt === undefined) throw new LatchkeyError('not_found', 'This item is not in the trash.', { itemId: id });
  return e;
}

/** Moves an item to the trash (item.delete, reason `trashed`). */
export async function moveToTrash(core: EngineCore, id: string): Promise<ItemSummary> {
  return core.exclusive(async () => {
    const current = core.session().get(id);
    if (!current) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
    if (current.overview.trashedAt !== undefined) return summaryOf(current);
    const { entry, details, itemKey } = await loadDetails(core, id);
    try {
      const next = await rewriteItem(core, entry, itemKey, { ...entry.overview, trashedAt: core.clock.now() }, details);
      await core.audit({ action: 'item.delete', actor: { type: 'person' }, target: { itemId: id }, outcome: 'success', reason: 'trashed' });
      core.emit({ type: 'itemsChanged', change: 'deleted', ids: [id] });
      return summaryOf(next);
    } finally {
      wipe(itemKey);
    }
  });
}

/** Puts a trashed item back (item.update, reason `restored`). */
export async function restoreFromTrash(core: EngineCore, id: string): Promise<ItemSummary> {
  return core.exclusive(async () => {
    trashedEntry(core, id);
    const { entry, details, itemKey } = await loadDetails(core, id);
    try {
      const next = await rewriteItem(core, entry, itemKey, untrashed(entry.overview), details);
      await core.audit({ action: 'item.update', actor: { type: 'person' }, target: { itemId: id }, outcome: 'success', reason: 'restored' });
      core.emit({ type: 'itemsChanged', change: 'created', ids: [id] });
      return summaryOf(next);
    } finally {
      wipe(itemKey);
    }
  });
}

/** Deletes one trashed item for good (item.delete, reason `purged`). Only trashed items: a live one goes to the trash first. */
export async function deleteForever(core: EngineCore, id: string): Promise<void> {
  return core.exclusive(async () => {
    trashedEntry(core, id);
    await deleteItems(core, [id], { actor: 'person', reason: 'purged' });
  });
}

/** Deletes every trashed item for good; returns how many. */
export async function emptyTrash(core: EngineCore): Promise<number> {
  return core.exclusive(async () => {
    const ids = core
      .session()
      .trash()
      .map((e) => e.id);
    await deleteItems(core, ids, { actor: 'person', reason: 'purged' });
    return ids.length;
  });
}

/** Deletes the items trashed TRASH_DAYS ago or earlier (actor system, reason `expired`); returns how many. */
export async function purgeExpired(core: EngineCore): Promise<number> {
  return core.exclusive(async () => {
    const cutoff = core.clock.now() - TRASH_MS;
    const ids = core
      .session()
      .trash()
      .filter((e) => e.overview.trashedAt! <= cutoff)
      .map((e) => e.id);
    await deleteItems(core, ids, { actor: 'system', reason: 'expired' });
    return ids.length;
  });
}

/**
 * When the next purge is due (ms since epoch), or null with an empty trash. Takes the
 * session itself, not core.session(): it runs inside event listeners, where an idle
 * check that locks and throws would fail the write that emitted the event.
 */
export function nextExpiry(session: UnlockedSession): number | null {
  const trash = session.trash();
  if (trash.length === 0) return null;
  return Math.min(...trash.map((e) => e.overview.trashedAt!)) + TRASH_MS;
}
