/**
 * Previous versions of an item's concealed values (docs/vault-format.md §5.4). Pure
 * functions over decrypted details: what an edit replaced, the version list the UI may
 * see (names, never values), and the details a restore leads to.
 */
import { LatchkeyError } from '../../shared/errors';
import {
  CONCEALED_FIELDS,
  HISTORY_LIMIT,
  HISTORY_MAX_CHARS,
  type FieldRef,
  type HistoryEntry,
  type HistoryVersion,
  type ItemDetails,
  type StoredItemDetails,
} from '../../shared/items';

type Loose = Record<string, unknown>;

/** Labels shown for the fixed concealed fields (custom fields carry their own name). */
const FIELD_NAMES: Record<string, string> = { password: 'Password', totp: 'One-time code seed', secret: 'Secret', privateKey: 'Private key', passphrase: 'Passphrase' };

/** Every concealed value of `d`, by reference, with the name shown for it. */
function concealedValues(d: ItemDetails | StoredItemDetails): Map<FieldRef, { name: string; value: string }> {
  const out = new Map<FieldRef, { name: string; value: string }>();
  for (const f of CONCEALED_FIELDS[d.kind]) {
    const v = (d as Loose)[f];
    if (typeof v === 'string' && v !== '') out.set(f, { name: FIELD_NAMES[f] ?? f, value: v });
  }
  for (const c of d.customFields) if (c.concealed && c.value !== '') out.set(`custom:${c.id}`, { name: c.name, value: c.value });
  return out;
}

/**
 * `next` with its history: the previous values of every concealed field that `prev`
 * (item version `prevVersion`) held and `next` changes or drops, as one version
 * replaced at `at`, newest first, at most HISTORY_LIMIT versions.
 */
export function withHistory(prev: StoredItemDetails, prevVersion: number, next: ItemDetails, at: number): StoredItemDetails {
  const before = concealedValues(prev);
  const after = concealedValues(next);
  const fields: HistoryVersion['fields'] = [];
  for (const [field, { name, value }] of before) if (after.get(field)?.value !== value) fields.push({ field, name, value });
  const old = prev.history ?? [];
  const history = fields.length > 0 ? bounded([{ version: prevVersion, at, fields }, ...old]) : old;
  const { history: _drop, ...body } = next as StoredItemDetails;
  return history.length > 0 ? { ...body, history } : body;
}

/** The newest versions within HISTORY_LIMIT and HISTORY_MAX_CHARS (the newest one always). */
function bounded(history: HistoryVersion[]): HistoryVersion[] {
  const out: HistoryVersion[] = [];
  let chars = 0;
  for (const h of history.slice(0, HISTORY_LIMIT)) {
    chars += h.fields.reduce((n, f) => n + f.value.length, 0);
    if (out.length > 0 && chars > HISTORY_MAX_CHARS) break;
    out.push(h);
  }
  return out;
}

/** What the UI may see of the history: versions and field names, no value. */
export function historyEntries(d: StoredItemDetails): HistoryEntry[] {
  return (d.history ?? []).map((h) => ({ version: h.version, at: h.at, fields: h.fields.map((f) => ({ field: f.field, name: f.name })) }));
}

function findVersion(d: StoredItemDetails, version: number, itemId: string): HistoryVersion {
  const h = (d.history ?? []).find((x) => x.version === version);
  if (!h) throw new LatchkeyError('not_found', 'That earlier version is no longer kept for this item.', { itemId, version });
  return h;
}

/** One value of a previous version, or 'not_found'. */
export function historyValue(d: StoredItemDetails, version: number, field: FieldRef, itemId: string): string {
  const f = findVersion(d, version, itemId).fields.find((x) => x.field === field);
  if (!f) throw new LatchkeyError('not_found', 'That earlier version has no such field.', { itemId, field });
  return f.value;
}

/**
 * The details with the values of previous version `version` put back (history left
 * out: the caller records the values this replaces as a new version). A custom field
 * removed since comes back as a concealed field under its old name.
 */
export function restoredDetails(d: StoredItemDetails, version: number, itemId: string): ItemDetails {
  const h = findVersion(d, version, itemId);
  const { history: _drop, ...body } = d;
  const out: Loose = { ...body, customFields: d.customFields.map((c) => ({ ...c })) };
  const custom = out.customFields as { id: string; name: string; concealed: boolean; value: string }[];
  for (const f of h.fields) {
    if (f.field.startsWith('custom:')) {
      const id = f.field.slice('custom:'.length);
      const c = custom.find((x) => x.id === id);
      if (c) {
        c.value = f.value;
        c.concealed = true;
      } else if (custom.length < 64) custom.push({ id, name: f.name, concealed: true, value: f.value });
    } else if (CONCEALED_FIELDS[d.kind].includes(f.field)) out[f.field] = f.value;
  }
  return out as ItemDetails;
}

/** Details without their history (what export, merge inputs and the UI mask start from). */
export function withoutHistory(d: StoredItemDetails): ItemDetails {
  const { history: _drop, ...body } = d;
  return body;
}

/**
 * Why a history that came from outside the engine (an encrypted Latchkey export) is not
 * one the engine could have written, or null: versions strictly newest first, only
 * concealed fields of the item's kind, each field once per version, and within the
 * bounds of §5.4 (HISTORY_LIMIT, HISTORY_MAX_CHARS with the newest always kept).
 */
export function historyProblem(d: StoredItemDetails): string | null {
  const history = d.history ?? [];
  if (history.length > HISTORY_LIMIT) return `it keeps more than ${HISTORY_LIMIT} earlier versions.`;
  let chars = 0;
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    if (i > 0 && h.version >= history[i - 1]!.version) return 'its earlier versions are not in order, newest first.';
    const seen = new Set<string>();
    for (const f of h.fields) {
      if (seen.has(f.field)) return 'an earlier version names the same field twice.';
      seen.add(f.field);
      if (!f.field.startsWith('custom:') && !CONCEALED_FIELDS[d.kind].includes(f.field)) return 'an earlier version holds a field this kind of item does not conceal.';
      if (f.value === '') return 'an earlier version holds an empty value.';
    }
    chars += h.fields.reduce((n, f) => n + f.value.length, 0);
    if (i > 0 && chars > HISTORY_MAX_CHARS) return 'its earlier versions are larger than Latchkey keeps.';
  }
  return null;
}

/** The item version a record restored with this history gets: above every version the history names. */
export function versionAfterHistory(d: StoredItemDetails): number {
  return (d.history?.[0]?.version ?? 0) + 1;
}
