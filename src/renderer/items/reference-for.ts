/**
 * The `latchkey://` reference "Copy reference" puts on the clipboard (docs/references.md):
 * the vault by its id, the item by its title — or by its id when another item has the
 * same title (a name that matches twice is refused, never guessed) — and the field as the
 * terminal endpoint resolves it: `secret` for an API credential's secret, a custom field
 * by its name (or, when the name is not unique in the item, not offered).
 */
import { formatReference } from '../../core/references';

export function referenceFor(o: { vaultId: string; itemId: string; title: string; titleIsUnique: boolean; field: string }): string {
  const item = o.titleIsUnique && o.title !== '.' && o.title !== '..' ? o.title : o.itemId;
  return formatReference({ vault: o.vaultId, item, field: o.field });
}
