/**
 * Masking details for the UI and merging an update back. The UI never sees a
 * concealed value unless it asks for that one field (reveal/copy): `mask` turns each
 * present concealed value into null; `mergeUpdate` reads null as "keep what is stored".
 */
import { LatchkeyError } from '../../shared/errors';
import { CONCEALED_FIELDS, type FieldRef, type ItemDetails, type MaskedItemDetails } from '../../shared/items';

type Loose = Record<string, unknown>;

export function maskDetails(d: ItemDetails): MaskedItemDetails {
  const out: Loose = { ...d };
  for (const f of CONCEALED_FIELDS[d.kind]) if (typeof out[f] === 'string') out[f] = null;
  out.customFields = d.customFields.map((c) => (c.concealed ? { ...c, value: null } : c));
  return out as MaskedItemDetails;
}

export function mergeUpdate(stored: ItemDetails, incoming: MaskedItemDetails): ItemDetails {
  if (stored.kind !== incoming.kind) throw new LatchkeyError('invalid_input', 'An item cannot change kind.');
  const out: Loose = { ...incoming };
  const prev = stored as Loose;
  for (const f of CONCEALED_FIELDS[incoming.kind]) {
    if (out[f] !== null) continue;
    if (typeof prev[f] !== 'string') throw new LatchkeyError('invalid_input', `Field ${f} has no stored value to keep.`, { field: f });
    out[f] = prev[f];
  }
  for (const [k, v] of Object.entries(out)) if (v === null) throw new LatchkeyError('invalid_input', `Field ${k} cannot be kept.`, { field: k });
  out.customFields = incoming.customFields.map((c) => {
    if (c.value !== null) return c;
    const old = stored.customFields.find((s) => s.id === c.id);
    if (!old) throw new LatchkeyError('invalid_input', `Custom field ${c.id} has no stored value to keep.`, { field: `custom:${c.id}` });
    return { ...c, value: old.value };
  });
  return out as ItemDetails;
}

/** The value of one field, or 'not_found'. */
export function readField(d: ItemDetails, ref: FieldRef, itemId: string): string {
  if (ref.startsWith('custom:')) {
    const id = ref.slice('custom:'.length);
    const f = d.customFields.find((c) => c.id === id);
    if (f && typeof f.value === 'string') return f.value;
  } else if (CONCEALED_FIELDS[d.kind].includes(ref)) {
    const v = (d as Loose)[ref];
    if (typeof v === 'string') return v;
  }
  throw new LatchkeyError('not_found', `This item has no field ${ref}.`, { itemId, field: ref });
}
