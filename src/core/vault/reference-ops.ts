/**
 * `latchkey://` references resolved by the engine over its own vault, items and fields
 * (docs/references.md "Resolution"), for every item kind. `resolveItemReference` answers
 * which item and field a reference names and where a proxy may send it — never a value;
 * `releaseReferencedField` hands out one field's value for one use, audited as
 * `item.release` (actor person) before it leaves, as credentials.use is for agents.
 */
import type { ReferenceRelease, ReferenceResolution } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import type { ItemOverview, StoredItemDetails as ItemDetails } from '../../shared/items';
import { wipe } from '../crypto/bytes';
import { parseTotp, totpAt } from '../items/totp';
import { resolveReference, type SecretReference } from '../references';
import type { EngineCore } from './core';
import { integrityError, openDetails, openItemKey } from './item-codec';

/**
 * The name a reference may give the open vault besides its id. A device holds one vault
 * and the format stores no name for it, so it answers to this fixed name (ASCII case
 * ignored), the one 1Password gives a person's own vault.
 */
export const OPEN_VAULT_NAME = 'Personal';

/** Fixed field ids, by kind, in the order they are listed in a "no such field" message. */
const FIXED_FIELDS: Record<ItemOverview['kind'], readonly string[]> = {
  login: ['username', 'password', 'totp', 'notes'],
  api_credential: ['username', 'secret', 'notes'],
  ssh_key: ['username', 'privateKey', 'publicKey', 'passphrase', 'notes'],
  secure_note: ['username', 'text', 'notes'],
};

interface FieldEntry {
  readonly id: string;
  readonly name: string;
}

function has(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}

/** The fields this item has (present values only): fixed ones by id, custom ones by `custom:<id>` and name. */
function fieldsOf(overview: ItemOverview, details: ItemDetails): FieldEntry[] {
  const d = details as Record<string, unknown>;
  const fixed = FIXED_FIELDS[overview.kind].filter((f) => (f === 'username' ? has(overview.username) : has(d[f])));
  return [...fixed.map((id) => ({ id, name: id })), ...details.customFields.map((c) => ({ id: `custom:${c.id}`, name: c.name }))];
}

/** Where a proxy may put this item's value: an API credential's rules; a login's web origins; else none. */
function destinationsOf(overview: ItemOverview): string[] {
  if (overview.kind === 'api_credential') return [...(overview.allowedOrigins ?? [])];
  if (overview.kind !== 'login') return [];
  const out = new Set<string>();
  for (const u of overview.urls) {
    try {
      const url = new URL(u);
      // Only http(s) origins are destinations; a bare "example.com" is not guessed into one.
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '') out.add(url.origin);
    } catch {
      // Not a URL: no destination from it.
    }
  }
  return [...out].slice(0, 64);
}

async function openDetailsOf(core: EngineCore, id: string): Promise<{ version: number; overview: ItemOverview; details: ItemDetails }> {
  const s = core.session();
  const entry = s.get(id);
  if (!entry) throw new LatchkeyError('not_found', 'That item is no longer in the vault.', { itemId: id });
  const rec = await core.store.readItem(id);
  if (!rec || rec.id !== id || rec.version !== entry.version) throw integrityError(id);
  const itemKey = openItemKey(s.keys.itemWrap, s.vaultId, rec);
  try {
    return { version: entry.version, overview: entry.overview, details: openDetails(itemKey, s.vaultId, rec) };
  } finally {
    wipe(itemKey);
  }
}

export async function resolveItemReference(core: EngineCore, ref: SecretReference): Promise<ReferenceResolution> {
  const s = core.session();
  const vault = { id: s.vaultId, name: OPEN_VAULT_NAME };
  // A trashed item is out of reach until it is restored (docs/vault-format.md §5.3).
  const entries = [...s.entries()].filter((e) => e.overview.trashedAt === undefined).map((e) => ({ id: e.id, name: e.overview.title, entry: e }));
  // The item first (overviews are in memory); only that item's details are opened, for its field names.
  const picked = resolveReference(
    ref,
    [vault],
    () => entries,
    () => [{ id: ref.field, name: ref.field }],
  );
  const opened = await openDetailsOf(core, picked.item.id);
  const fields = fieldsOf(opened.overview, opened.details);
  let field: FieldEntry;
  try {
    field = resolveReference(
      { vault: vault.id, item: picked.item.id, field: ref.field },
      [vault],
      () => [picked.item],
      () => fields,
    ).field;
  } catch (err) {
    if (!(err instanceof LatchkeyError) || err.code !== 'not_found') throw err;
    const names = fields.map((f) => (f.id.startsWith('custom:') ? `${f.name} (${f.id})` : f.id)).join(', ');
    throw new LatchkeyError('not_found', `"${opened.overview.title.slice(0, 128)}" has no field "${ref.field.slice(0, 128)}"; its fields are: ${names.slice(0, 512) || 'none'}.`);
  }
  const o = opened.overview;
  return {
    itemId: picked.item.id,
    title: o.title,
    kind: o.kind,
    field: field.id,
    destinations: destinationsOf(o),
    canary: o.canary === true,
    swapInBody: o.kind === 'api_credential' && o.swapInBody === true,
    tags: [...o.tags],
  };
}

function valueOf(core: EngineCore, overview: ItemOverview, details: ItemDetails, field: string, itemId: string): string {
  if (field === 'username') {
    if (has(overview.username)) return overview.username!;
  } else if (field.startsWith('custom:')) {
    const c = details.customFields.find((x) => `custom:${x.id}` === field);
    if (c && typeof c.value === 'string') return c.value;
  } else if (field === 'totp' && details.kind === 'login' && has(details.totp)) {
    // The current code, as `op` gives for ?attribute=otp: the seed itself never leaves for a command.
    const cfg = parseTotp(details.totp!);
    try {
      return totpAt(cfg, core.clock.now()).code;
    } finally {
      wipe(cfg.secret);
    }
  } else if (FIXED_FIELDS[overview.kind].includes(field)) {
    const v = (details as Record<string, unknown>)[field];
    if (typeof v === 'string' && v !== '') return v;
  }
  throw new LatchkeyError('not_found', 'That field is no longer in the item.', { itemId, field });
}

export async function releaseReferencedField(core: EngineCore, itemId: string, field: string): Promise<ReferenceRelease> {
  const known = core.session().get(itemId);
  if (!known) throw new LatchkeyError('not_found', 'That item is no longer in the vault.', { itemId });
  if (known.overview.trashedAt !== undefined) throw new LatchkeyError('not_found', 'That item is in the trash; restore it in Latchkey to use it.', { itemId });
  const target = { itemId, field };
  if (known.overview.canary === true) {
    await core.audit({ action: 'item.release', actor: { type: 'person' }, target, outcome: 'denied', reason: 'canary_tripped' });
    throw new LatchkeyError('forbidden', 'This credential cannot be used.', { itemId });
  }
  const { version, overview, details } = await openDetailsOf(core, itemId);
  if (details.kind !== overview.kind) throw integrityError(itemId);
  const value = valueOf(core, overview, details, field, itemId);
  // Audited before the value leaves: if the record cannot be written, the value is not returned.
  await core.audit({ action: 'item.release', actor: { type: 'person' }, target, outcome: 'success' });
  return { value, version };
}
