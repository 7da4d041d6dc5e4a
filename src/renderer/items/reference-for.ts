/**
 * The `latchkey://` references "Copy reference" puts on the clipboard (docs/references.md
 * "Copy reference in the app"), one per field of every kind: the vault by its id, the item
 * by its title — or by its id when another item has the same title or the title is `.`/`..`
 * (a name that matches twice is refused, never guessed) — and the field by the id the engine
 * resolves (`password`, `privateKey`, …). A custom field goes by its name when that name
 * names it alone (no other custom field has it, it is no fixed field's id and does not look
 * like `custom:…`), else by `custom:<id>`, so every reference resolves to its own field.
 */
import { formatReference } from '../../core/references';
import type { ItemView, MaskedItemDetails } from '../../shared/items';

export function referenceFor(o: { vaultId: string; itemId: string; title: string; titleIsUnique: boolean; field: string }): string {
  // The engine tries ids first: a title shaped like an item id could name another item.
  const idShaped = /^[A-Za-z0-9_-]{22}$/.test(o.title) && o.title !== o.itemId;
  const item = o.titleIsUnique && !idShaped && o.title !== '.' && o.title !== '..' ? o.title : o.itemId;
  return formatReference({ vault: o.vaultId, item, field: o.field });
}

/** Every fixed field id the engine knows, of any kind: a custom field with one of these names goes by its id. */
const FIXED_FIELD_IDS = new Set(['username', 'password', 'totp', 'secret', 'privateKey', 'publicKey', 'passphrase', 'text', 'notes']);

export type ReferenceParts = Omit<Parameters<typeof referenceFor>[0], 'field'>;

/** The field part for a custom field: its name when that is unambiguous, else `custom:<id>`. */
export function customFieldPart(fields: MaskedItemDetails['customFields'], id: string): string {
  const f = fields.find((c) => c.id === id);
  if (f === undefined) return `custom:${id}`;
  const folded = f.name.toLowerCase();
  const clash =
    FIXED_FIELD_IDS.has(f.name) ||
    [...FIXED_FIELD_IDS].some((x) => x.toLowerCase() === folded) ||
    folded.startsWith('custom:') ||
    f.name === '.' ||
    f.name === '..' ||
    fields.filter((c) => c.name.toLowerCase() === folded).length > 1;
  return clash ? `custom:${id}` : f.name;
}

/**
 * The reference of every field the item view shows, keyed by the engine's field id
 * (`password`, `custom:<id>` …). Only fields that hold something are listed.
 */
export function fieldReferences(item: ItemView, parts: ReferenceParts): Record<string, string> {
  const d = item.details as Record<string, unknown> & MaskedItemDetails;
  const out: Record<string, string> = {};
  const present = (v: unknown): boolean => v === null || (typeof v === 'string' && v !== '');
  const add = (id: string, part: string = id): void => {
    out[id] = referenceFor({ ...parts, field: part });
  };
  if (present(item.overview.username)) add('username');
  const kindFields: Record<ItemView['overview']['kind'], readonly string[]> = {
    login: ['password', 'totp'],
    api_credential: ['secret'],
    ssh_key: ['privateKey', 'publicKey', 'passphrase'],
    secure_note: ['text'],
  };
  for (const f of kindFields[item.overview.kind]) if (present(d[f])) add(f);
  if (present(d.notes)) add('notes');
  for (const c of d.customFields) add(`custom:${c.id}`, customFieldPart(d.customFields, c.id));
  return out;
}
