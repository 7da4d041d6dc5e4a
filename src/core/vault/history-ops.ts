/**
 * Previous versions of an item's concealed values (docs/vault-format.md §5.4): reveal
 * one (audited like any reveal, before the value leaves) and restore a version (a new
 * item version; the values it replaces become the newest previous version in turn).
 */
import { LatchkeyError } from '../../shared/errors';
import type { FieldRef, ItemSummary } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { historyValue, restoredDetails, withHistory } from '../items/history';
import type { EngineCore } from './core';
import { loadDetails, rewriteItem, summaryOf, trashedError } from './item-ops';

export async function revealPreviousValue(core: EngineCore, id: string, version: number, field: FieldRef, purpose: 'reveal' | 'copy'): Promise<string> {
  const { details, itemKey } = await loadDetails(core, id);
  wipe(itemKey);
  const value = historyValue(details, version, field, id);
  await core.audit({
    action: purpose === 'copy' ? 'item.copy' : 'item.reveal',
    actor: { type: 'person' },
    target: { itemId: id, field },
    outcome: 'success',
    reason: 'previous_version',
  });
  return value;
}

export async function restorePreviousVersion(core: EngineCore, id: string, baseVersion: number, version: number): Promise<ItemSummary> {
  return core.exclusive(async () => {
    const current = core.session().get(id);
    if (!current) throw new LatchkeyError('not_found', 'No such item.', { itemId: id });
    if (current.version !== baseVersion)
      throw new LatchkeyError('conflict', 'The item changed since you opened it. Reload it and try again.', { itemId: id, version: current.version });
    if (current.overview.trashedAt !== undefined) throw trashedError(id);
    const { entry, details, itemKey } = await loadDetails(core, id);
    try {
      const restored = restoredDetails(details, version, id);
      const stored = withHistory(details, entry.version, restored, Math.max(core.clock.now(), entry.updatedAt));
      const next = await rewriteItem(core, entry, itemKey, entry.overview, stored);
      await core.audit({ action: 'item.update', actor: { type: 'person' }, target: { itemId: id }, outcome: 'success', reason: 'version_restored' });
      core.emit({ type: 'itemsChanged', change: 'updated', ids: [id] });
      return summaryOf(next);
    } finally {
      wipe(itemKey);
    }
  });
}
