/**
 * Export as the engine serves it. The encrypted export carries everything (the trash
 * and each item's history included, format 2); a plaintext export carries the live
 * items' current content only, so an unencrypted file never holds deleted items or
 * values the person replaced. Every export, encrypted or not, first asks policy
 * (`assertExportAllowed`): a refusal is audited as `vault.export` denied and nothing is
 * decrypted. A plaintext export also needs the person's explicit confirmation, passed
 * as the exact sentence the UI showed them.
 */
import type { AuditEvent } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import { PLAINTEXT_EXPORT_CONFIRMATION } from '../../shared/contracts/import-export';
import type { EffectivePolicy } from '../../shared/policy';
import type { ItemSummary, StoredItemDetails } from '../../shared/items';
import { utf8ToBytes } from '../crypto/bytes';
import type { Argon2idParams, Kdf } from '../crypto/kdf';
import type { RandomSource } from '../crypto/random';
import { assertExportAllowed } from '../policy';
import { sealExport, type ExportedItem } from './latchkey-export';
import { exportCsv, exportJson } from './plaintext';

export { PLAINTEXT_EXPORT_CONFIRMATION } from '../../shared/contracts/import-export';

export interface ExportServiceDeps {
  readonly kdf: Kdf;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly policy: () => EffectivePolicy;
  /** The argon2id parameters of new password slots (policy's floor included). */
  readonly params: () => Argon2idParams;
  /** Every item, trashed ones included, with its stored details (history included). */
  readonly readAll: () => Promise<{ summary: ItemSummary; details: StoredItemDetails }[]>;
  readonly audit: (e: AuditEvent) => Promise<void>;
}

export interface ExportFile {
  readonly fileName: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

function stamp(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function createExportService(deps: ExportServiceDeps) {
  async function allowed(): Promise<ExportedItem[]> {
    try {
      assertExportAllowed(deps.policy());
    } catch (e) {
      await deps.audit({ action: 'vault.export', actor: { type: 'person' }, outcome: 'denied', reason: 'policy_forbidden' }).catch(() => undefined);
      throw e;
    }
    return (await deps.readAll()).map(({ summary, details }) => ({ overview: summary.overview, details, createdAt: summary.createdAt, updatedAt: summary.updatedAt }));
  }

  return {
    async encrypted(passphrase: string): Promise<ExportFile> {
      const items = await allowed();
      const now = deps.now();
      const bytes = await sealExport(items, passphrase, { kdf: deps.kdf, random: deps.random, params: deps.params(), now });
      await deps.audit({ action: 'vault.export', actor: { type: 'person' }, outcome: 'success' });
      return { fileName: `latchkey-export-${stamp(now)}.lkexport`, mediaType: 'application/octet-stream', bytes };
    },

    async plaintext(format: 'json' | 'csv', confirmation: string): Promise<ExportFile> {
      if (confirmation !== PLAINTEXT_EXPORT_CONFIRMATION)
        throw new LatchkeyError('invalid_input', 'A plaintext export needs your confirmation that the file will not be encrypted.');
      const items = await allowed();
      const now = deps.now();
      const text = format === 'json' ? exportJson(items, now) : exportCsv(items);
      await deps.audit({ action: 'vault.export', actor: { type: 'person' }, outcome: 'success' });
      return { fileName: `latchkey-export-${stamp(now)}-UNENCRYPTED.${format}`, mediaType: format === 'json' ? 'application/json' : 'text/csv', bytes: utf8ToBytes(text) };
    },
  };
}
