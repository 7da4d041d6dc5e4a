/**
 * Which item and field a reference names (docs/references.md "Resolution"). Pure: the
 * engine calls it with its overviews and, for custom fields, the item's field names;
 * grants, approval, policy and the audit record are the caller's, as for any use.
 */
import { LatchkeyError } from '../../shared/errors';
import type { SecretReference } from './reference';

interface Named {
  readonly id: string;
  readonly name: string;
}

/** Id first (exact), then name (exact, then case-insensitive); more than one name match is an error, never a guess. */
function pickByIdOrName<T extends Named>(list: readonly T[], wanted: string, what: 'vault' | 'item' | 'field'): T {
  const byId = list.find((x) => x.id === wanted);
  if (byId) return byId;
  const exact = list.filter((x) => x.name === wanted);
  const folded = exact.length ? exact : list.filter((x) => x.name.toLowerCase() === wanted.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  const shown = wanted.slice(0, 128);
  if (folded.length > 1) throw new LatchkeyError('invalid_input', `More than one ${what} is named "${shown}"; use its id in the reference instead.`);
  throw new LatchkeyError('not_found', `No ${what} named "${shown}" (nor with that id).`);
}

/** The item and field (id or name as given to pickByIdOrName) a reference points at. */
export function resolveReference<V extends Named, I extends Named, F extends Named>(
  ref: SecretReference,
  vaults: readonly V[],
  items: (vault: V) => readonly I[],
  fields: (item: I) => readonly F[],
): { vault: V; item: I; field: F } {
  const vault = pickByIdOrName(vaults, ref.vault, 'vault');
  const item = pickByIdOrName(items(vault), ref.item, 'item');
  const field = pickByIdOrName(fields(item), ref.field, 'field');
  return { vault, item, field };
}
