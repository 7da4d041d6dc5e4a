/**
 * One builder every importer feeds: it turns a loosely filled source entry into a
 * draft that passes the item schema, or records why the entry is skipped. Limits come
 * from src/shared/items.ts; text that exceeds them is never cut silently: the entry is
 * skipped with the reason, so the report is the whole truth.
 */
import { itemDraftSchema, type ItemDraft } from '../../shared/items';
import { suggestApiCredential } from './api-detect';
import { SOURCE_KINDS } from '../../shared/contracts/import-export';
import type { ImportResult, ImportedEntry, RestoredState, SkippedEntry, SourceKind } from './types';

export interface SourceField {
  readonly name: string;
  readonly value: string;
  readonly concealed: boolean;
}

export interface SourceEntry {
  /** Where in the file: used in the report and in errors. */
  readonly entry: string;
  readonly kind: SourceKind;
  readonly title?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly totp?: string | undefined;
  readonly urls?: readonly string[] | undefined;
  readonly notes?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly fields?: readonly SourceField[] | undefined;
  /** ssh_key only. */
  readonly privateKey?: string | undefined;
  readonly publicKey?: string | undefined;
  readonly passphrase?: string | undefined;
  /** The source app itself called this an API credential (1Password's category 112). */
  readonly apiHint?: boolean | undefined;
}

const MAX_TAG = 64;
const MAX_TAGS = 32;

function clean(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.replace(/\r\n/g, '\n');
  return t.trim() === '' ? undefined : t;
}

/** Folder paths become tags: one per path segment is too many; the full path reads best. */
export function tagsOf(raw: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const r of raw ?? []) {
    const t = r.trim().slice(0, MAX_TAG).trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out.slice(0, MAX_TAGS);
}

function titleOf(e: SourceEntry): string {
  const t = clean(e.title)?.trim();
  if (t) return t;
  const url = e.urls?.find((u) => u.trim());
  if (url) {
    try {
      return new URL(url).hostname || url;
    } catch {
      return url;
    }
  }
  return clean(e.username)?.trim() || 'Untitled';
}

function isEmpty(e: SourceEntry): boolean {
  return ![e.title, e.username, e.password, e.totp, e.notes, e.privateKey, ...(e.urls ?? []), ...(e.fields ?? []).map((f) => f.value)].some((v) => clean(v));
}

export function draftOf(e: SourceEntry): ItemDraft {
  const title = titleOf(e);
  const urls = [...new Set((e.urls ?? []).map((u) => u.trim()).filter(Boolean))];
  const tags = tagsOf(e.tags);
  const customFields = (e.fields ?? [])
    .filter((f) => clean(f.value) !== undefined || f.name.trim())
    .map((f, i) => ({ id: `f${i + 1}`, name: f.name.trim().slice(0, 128) || `Field ${i + 1}`, concealed: f.concealed, value: f.value }));
  const notes = clean(e.notes);
  const username = clean(e.username)?.trim();
  if (e.kind === 'ssh_key' && clean(e.privateKey)) {
    return {
      overview: { kind: 'ssh_key', title, urls, tags, ...(username ? { username } : {}) },
      details: {
        kind: 'ssh_key',
        privateKey: e.privateKey!,
        ...(clean(e.publicKey) ? { publicKey: e.publicKey!.trim() } : {}),
        ...(clean(e.passphrase) ? { passphrase: e.passphrase! } : {}),
        ...(notes ? { notes } : {}),
        customFields,
      },
    };
  }
  if (e.kind === 'login') {
    return {
      overview: { kind: 'login', title, urls, tags, ...(username ? { username } : {}) },
      details: {
        kind: 'login',
        ...(e.password ? { password: e.password } : {}),
        ...(clean(e.totp) ? { totp: e.totp!.trim() } : {}),
        ...(notes ? { notes } : {}),
        customFields,
      },
    };
  }
  // Notes, cards, identities (and an SSH key without its private half): a secure note;
  // the source's username and password survive as fields.
  const extra = [
    ...(username ? [{ id: `f${customFields.length + 1}`, name: 'Username', concealed: false, value: username }] : []),
    ...(e.password ? [{ id: `f${customFields.length + 2}`, name: 'Password', concealed: true, value: e.password }] : []),
    ...(clean(e.publicKey) ? [{ id: `f${customFields.length + 3}`, name: 'Public key', concealed: false, value: e.publicKey!.trim() }] : []),
  ];
  return {
    overview: { kind: 'secure_note', title, urls, tags },
    details: { kind: 'secure_note', text: notes ?? '', customFields: [...customFields, ...extra] },
  };
}

/** Plain words for a schema refusal of a built draft (the person never sees a field path). */
function reasonOf(d: ItemDraft, issue: { path: PropertyKey[]; message: string } | undefined): string {
  const p = issue?.path.map(String) ?? [];
  if (p.includes('title')) return 'its title is longer than 256 characters';
  if (p.includes('urls')) return p.length > 2 ? 'one of its web addresses is longer than 2048 characters' : 'it has more than 32 web addresses';
  if (p.includes('customFields')) return d.details.customFields.length > 64 ? 'it has more than 64 custom fields' : 'one of its custom fields is too long';
  if (p.includes('username')) return 'its username is longer than 512 characters';
  if (p.includes('notes') || p.includes('text')) return 'its notes are longer than 65,536 characters';
  if (p.includes('tags')) return 'one of its folder names is not usable as a tag';
  return 'one of its values is too long to store';
}

export class ImportCollector {
  private readonly items: ImportedEntry[] = [];
  private readonly skipped: SkippedEntry[] = [];
  private readonly dropped: SkippedEntry[] = [];

  skip(entry: string, reason: string): void {
    this.skipped.push({ entry, reason });
  }

  drop(entry: string, what: string): void {
    this.dropped.push({ entry, reason: what });
  }

  add(e: SourceEntry): void {
    if (isEmpty(e)) return this.skip(e.entry, 'it is empty');
    const draft = draftOf(e);
    const parsed = itemDraftSchema.safeParse(draft);
    if (!parsed.success) return this.skip(e.entry, reasonOf(draft, parsed.error.issues[0]));
    const suggestion = suggestApiCredential(parsed.data, e.apiHint === true);
    const ok = suggestion && itemDraftSchema.safeParse(suggestion).success;
    this.items.push({
      entry: e.entry,
      sourceKind: e.kind === 'ssh_key' && draft.overview.kind !== 'ssh_key' ? 'secure_note' : e.kind,
      draft: parsed.data,
      ...(ok ? { apiSuggestion: suggestion } : {}),
    });
  }

  /** Entries already in the item model (Latchkey's own export). */
  addDraft(entry: string, sourceKind: SourceKind, draft: ItemDraft, restore?: RestoredState): void {
    this.items.push(restore ? { entry, sourceKind, draft, restore } : { entry, sourceKind, draft });
  }

  result(): ImportResult {
    const counts = Object.fromEntries(SOURCE_KINDS.map((k) => [k, 0])) as Record<SourceKind, number>;
    for (const i of this.items) counts[i.sourceKind] += 1;
    return { items: this.items, report: { counts, skipped: this.skipped, dropped: this.dropped } };
  }
}

/** `entry 3 "GitHub"`: the position a person can find in the source app, and its name. */
export function entryLabel(n: number, title: string | undefined): string {
  const t = title?.trim();
  return t ? `entry ${n} "${t.length > 60 ? `${t.slice(0, 57)}...` : t}"` : `entry ${n}`;
}
