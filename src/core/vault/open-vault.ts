/**
 * After VK is recovered: load the 64 overview pages and the settings into a session.
 * A page that is missing, fails authentication or holds entries from another page
 * is rebuilt from its items' own records (slow path: two AEAD operations per item)
 * and reported as an integrity issue; the vault still opens. Items whose own records
 * fail are left out and reported. A page rebuild after the v1->v2 storage migration
 * is expected and not reported.
 */
import { z } from 'zod';
import { engineSettingsSchema, type EngineSettings } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import { open, seal } from '../crypto/aead';
import { bytesToUtf8, utf8ToBytes } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import { PAGE_COUNT, type MetaRecord, type SettingsRecord } from '../store/records';
import type { VaultStore } from '../store/store';
import { openItemKey, openOverview } from './item-codec';
import type { VaultKeys } from './keys';
import { openPage, pagePrefix, sealPage, type PageEntry } from './pages';
import type { IntegrityIssue } from './session';
import { wipe } from '../crypto/bytes';

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

async function rebuildPage(store: VaultStore, keys: VaultKeys, vaultId: string, page: number, issues: IntegrityIssue[]): Promise<PageEntry[]> {
  const out: PageEntry[] = [];
  for (const rec of await store.readItemsWithPrefix(pagePrefix(page))) {
    let k: Uint8Array | undefined;
    try {
      k = openItemKey(keys.itemWrap, vaultId, rec);
      const ov = openOverview(k, vaultId, rec);
      out.push({ id: rec.id, version: rec.version, createdAt: ov.createdAt, updatedAt: ov.updatedAt, overview: ov.overview });
    } catch {
      issues.push({ where: 'item', id: rec.id });
    } finally {
      wipe(k);
    }
  }
  return out;
}

export interface LoadedVault {
  pages: { generation: number; entries: PageEntry[] }[];
  settings: EngineSettings;
  settingsVersion: number;
}

export async function loadVault(store: VaultStore, meta: MetaRecord, keys: VaultKeys, random: RandomSource, issues: IntegrityIssue[]): Promise<LoadedVault> {
  const vaultId = meta.vaultId;
  const stored = await store.readPages();
  const byNumber = new Map(stored.map((p) => [p.page, p]));
  const pages: { generation: number; entries: PageEntry[] }[] = [];
  for (let page = 0; page < PAGE_COUNT; page++) {
    const rec = byNumber.get(page);
    const entries = rec && !meta.rebuildPages ? openPage(keys.page, vaultId, rec) : null;
    if (entries) {
      pages.push({ generation: rec!.generation, entries });
      continue;
    }
    if (!meta.rebuildPages) issues.push({ where: 'overview_page', id: String(page) });
    pages.push({ generation: rec?.generation ?? 0, entries: await rebuildPage(store, keys, vaultId, page, issues) });
  }
  if (meta.rebuildPages) {
    // Storage migration 1 -> 2: write every page once, then clear the flag, in one transaction.
    const putPages = pages.map((p, i) => sealPage(keys.page, vaultId, i, p.generation + 1, p.entries, random));
    const { rebuildPages: _done, ...rest } = meta;
    await store.commit({ meta: rest, putPages });
    pages.forEach((p) => (p.generation += 1));
  }

  const srec = await store.readSettings();
  let settings = DEFAULT_SETTINGS;
  if (srec) {
    const s = openSettings(keys, vaultId, srec);
    if (s) settings = s;
    else issues.push({ where: 'settings', id: 'settings' });
  }
  return { pages, settings, settingsVersion: srec?.version ?? 0 };
}

export const vaultIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export function noVault(): LatchkeyError {
  return new LatchkeyError('no_vault', 'There is no vault yet. Create one first.');
}
