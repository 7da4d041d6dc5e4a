/**
 * Plaintext exports, only after the person confirmed they want an unencrypted file
 * (the engine checks the confirmation; this only formats). Both leave out the trash and
 * every item's history (docs/export-format.md §3): an unencrypted file should hold no
 * more than the person can see in the vault today.
 * - JSON: the format-1 payload (content only), so it re-imports through the same reader;
 * - CSV: one row per item in Bitwarden's CSV columns (which most apps import), with
 *   custom fields as `name: value` lines. Cells that a spreadsheet would run as a
 *   formula (leading = + - @ tab CR) are prefixed with ' (papaparse escapeFormulae).
 */
import Papa from 'papaparse';
import type { ItemDetails, StoredItemDetails } from '../../shared/items';
import { EXPORT_VERSION_CONTENT_ONLY, exportPayload, type ExportedItem } from './latchkey-export';

export function exportJson(items: readonly ExportedItem[], now: number): string {
  return JSON.stringify(exportPayload(items, EXPORT_VERSION_CONTENT_ONLY, now), null, 2);
}

function mainSecret(d: ItemDetails | StoredItemDetails): { password: string; totp: string; notes: string } {
  switch (d.kind) {
    case 'login':
      return { password: d.password ?? '', totp: d.totp ?? '', notes: d.notes ?? '' };
    case 'api_credential':
      return { password: d.secret, totp: '', notes: d.notes ?? '' };
    case 'ssh_key':
      return { password: d.privateKey, totp: '', notes: [d.notes, d.publicKey].filter(Boolean).join('\n\n') };
    case 'secure_note':
      return { password: '', totp: '', notes: [d.text, d.notes].filter(Boolean).join('\n\n') };
  }
}

export function exportCsv(items: readonly ExportedItem[]): string {
  const rows = items
    .filter((i) => i.overview.trashedAt === undefined)
    .map((i) => {
      const s = mainSecret(i.details);
      return {
        folder: i.overview.tags[0] ?? '',
        favorite: '',
        type: i.details.kind === 'login' || i.details.kind === 'api_credential' ? 'login' : 'note',
        name: i.overview.title,
        notes: s.notes,
        fields: i.details.customFields.map((f) => `${f.name}: ${f.value}`).join('\n'),
        reprompt: '0',
        login_uri: i.overview.urls.join(','),
        login_username: i.overview.username ?? '',
        login_password: s.password,
        login_totp: s.totp,
      };
    });
  const columns = ['folder', 'favorite', 'type', 'name', 'notes', 'fields', 'reprompt', 'login_uri', 'login_username', 'login_password', 'login_totp'];
  return Papa.unparse(rows, { columns, escapeFormulae: true, newline: '\r\n' });
}
