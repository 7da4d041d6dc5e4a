/**
 * The engine side of Latchkey's own export (docs/export-format.md): reading every item
 * as it is stored — trashed ones and each item's history included — and the ONE path
 * that may write an item with a history or a trash mark it did not make itself:
 * restoring an encrypted export. Every other import goes through importItems, whose
 * drafts cannot carry either (itemDraftSchema refuses a history; the trash mark is
 * dropped), so a file from another app cannot plant "earlier versions".
 */
import { LatchkeyError } from '../../shared/errors';
import { itemDraftSchema, storedItemDetailsSchema, type ItemOverview, type ItemSummary, type StoredItemDetails } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { historyProblem, versionAfterHistory, withoutHistory } from '../items/history';
import type { EngineCore } from './core';
import { loadDetails, summaryOf, untrashed, writeNewItems, type NewItemSpec } from './item-ops';

/** An item as an encrypted export restores it: the overview may carry `trashedAt`, the details a `history`. */
export interface RestoredItem {
  readonly overview: ItemOverview;
  readonly details: StoredItemDetails;
}

/** Every item, live and trashed, with its stored details (history included), authenticated like a reveal. Export only; the caller checked policy. */
export async function readAllItems(core: EngineCore): Promise<{ summary: ItemSummary; details: StoredItemDetails }[]> {
  const out: { summary: ItemSummary; details: StoredItemDetails }[] = [];
  const s = core.session();
  for (const summary of [...s.list({}), ...s.trash()]) {
    const { entry, details, itemKey } = await loadDetails(core, summary.id);
    wipe(itemKey);
    out.push({ summary: summaryOf(entry), details });
  }
  return out;
}

function specOf(it: RestoredItem, n: number): NewItemSpec {
  const where = `Item ${n} of the export`;
  const stored = storedItemDetailsSchema.safeParse(it.details);
  // The content without history and trash mark must be a valid draft, like any import.
  const draft = stored.success ? itemDraftSchema.safeParse({ overview: untrashed(it.overview), details: withoutHistory(stored.data) }) : null;
  if (!stored.success || !draft?.success) throw new LatchkeyError('invalid_input', `${where} is not valid.`);
  const problem = historyProblem(stored.data);
  if (problem) throw new LatchkeyError('invalid_input', `${where} cannot be restored: ${problem}`);
  const t = it.overview.trashedAt;
  if (t !== undefined && (!Number.isSafeInteger(t) || t < 0)) throw new LatchkeyError('invalid_input', `${where} has an impossible deletion time.`);
  const overview = t === undefined ? draft.data.overview : { ...draft.data.overview, trashedAt: t };
  // The record's version is above every version its history names, so the next edit's
  // history entry (named after the current version) cannot collide with a kept one.
  return { overview, details: stored.data, version: versionAfterHistory(stored.data) };
}

/**
 * Writes the items of an encrypted export in ONE transaction: new ids, each with its
 * history and, for trashed ones, its original deletion time (the 30-day purge counts
 * from it, so an item trashed long enough ago is purged right after).
 */
export async function restoreExportedItems(core: EngineCore, items: readonly RestoredItem[]): Promise<ItemSummary[]> {
  const specs = items.map((it, i) => specOf(it, i + 1));
  return core.exclusive(() => writeNewItems(core, specs));
}
