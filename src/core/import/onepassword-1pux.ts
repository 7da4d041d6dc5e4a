/**
 * 1Password's 1PUX export (support.1password.com/1pux-format): a ZIP holding
 * `export.data`, JSON of `accounts[].vaults[].items[]`. An item has `categoryUuid`
 * ("001" login, "002" credit card, "003" secure note, "004" identity, "005" password,
 * "006" document, "112" API credential, "114" SSH key, others: notes with fields),
 * `state` ("active" | "archived"), `overview` {title, url, urls[], tags[]} and
 * `details` {loginFields[] (designation "username" | "password"), notesPlain,
 * password, sections[] {title, fields[] {title, value: {<type>: …}}}}.
 * Vault names become tags; archived items keep a tag "Archived".
 */
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { bytesToUtf8 } from '../crypto/bytes';
import { ImportCollector, entryLabel, type SourceEntry, type SourceField } from './build';
import { describeIssue, importError, type ImportResult, type SourceKind } from './types';

/** export.data beyond this is not a file 1Password wrote; refusing it bounds the worker's memory. */
const MAX_EXPORT_DATA = 256 * 1024 * 1024;

const str = z.string().nullish();
const sectionField = z.object({ title: str, id: str, value: z.record(z.string(), z.unknown()).nullish(), guarded: z.boolean().nullish() });
const itemSchema = z.object({
  categoryUuid: z.string(),
  state: str,
  overview: z.object({ title: str, url: str, urls: z.array(z.object({ url: str, label: str })).nullish(), tags: z.array(z.string()).nullish() }),
  details: z.object({
    loginFields: z.array(z.object({ value: str, name: str, designation: str, fieldType: str })).nullish(),
    notesPlain: str,
    password: str,
    sections: z.array(z.object({ title: str, name: str, fields: z.array(sectionField).nullish() })).nullish(),
    passwordHistory: z.array(z.unknown()).nullish(),
    documentAttributes: z.unknown().optional(),
  }),
});
const exportSchema = z.object({
  accounts: z.array(z.object({ vaults: z.array(z.object({ attrs: z.object({ name: z.string().nullish() }).loose(), items: z.array(z.unknown()) })) })),
});

const KIND: Record<string, SourceKind> = { '001': 'login', '005': 'login', '002': 'card', '003': 'secure_note', '004': 'identity', '112': 'api_credential', '114': 'ssh_key' };

/** The readable text of one section field value (`{"concealed": "…"}`, `{"email": {"email_address": …}}`, …). */
function valueText(value: Record<string, unknown>): { type: string; text: string } | null {
  const [type, v] = Object.entries(value)[0] ?? [];
  if (!type) return null;
  if (typeof v === 'string') return { type, text: v };
  if (typeof v === 'number' || typeof v === 'boolean') {
    if (type === 'date' && typeof v === 'number') return { type, text: new Date(v * 1000).toISOString().slice(0, 10) };
    if (type === 'monthYear' && typeof v === 'number') return { type, text: `${String(v).slice(4)}/${String(v).slice(0, 4)}` };
    return { type, text: String(v) };
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (type === 'email' && typeof o.email_address === 'string') return { type, text: o.email_address };
    if (type === 'address')
      return {
        type,
        text: ['street', 'city', 'state', 'zip', 'country']
          .map((k) => o[k])
          .filter((x) => typeof x === 'string' && x)
          .join(', '),
      };
    if (type === 'sshKey' && typeof o.privateKey === 'string') return { type, text: o.privateKey };
  }
  return null;
}

function readExportData(file: string, bytes: Uint8Array): unknown {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name === 'export.data' && f.originalSize <= MAX_EXPORT_DATA });
  } catch {
    throw importError(file, null, 'it is not a readable ZIP archive (a 1PUX file is one).');
  }
  const data = files['export.data'];
  if (!data) throw importError(file, null, 'it has no export.data inside, so it is not a 1Password 1PUX export.');
  try {
    return JSON.parse(bytesToUtf8(data));
  } catch {
    throw importError(file, null, 'its export.data is not valid JSON.');
  }
}

export function importOnePux(file: string, bytes: Uint8Array): ImportResult {
  const top = exportSchema.safeParse(readExportData(file, bytes));
  if (!top.success) throw importError(file, null, describeIssue(top.error));
  const c = new ImportCollector();
  let n = 0;
  for (const account of top.data.accounts) {
    for (const vault of account.vaults) {
      const vaultName = vault.attrs.name ?? undefined;
      for (const raw of vault.items) {
        n += 1;
        const rawTitle = (raw as { overview?: { title?: unknown } } | null)?.overview?.title;
        const parsed = itemSchema.safeParse(raw);
        if (!parsed.success) throw importError(file, entryLabel(n, typeof rawTitle === 'string' ? rawTitle : undefined), describeIssue(parsed.error));
        const it = parsed.data;
        const entry = entryLabel(n, it.overview.title ?? undefined);
        if (it.state === 'deleted' || it.state === 'trashed') {
          c.skip(entry, 'it is in 1Password’s trash');
          continue;
        }
        if (it.categoryUuid === '006') {
          c.skip(entry, 'it is a document (file attachments are not imported)');
          continue;
        }
        c.add(toSource(entry, it, vaultName));
        if (it.details.passwordHistory?.length) c.drop(entry, 'password history');
      }
    }
  }
  return c.result();
}

function toSource(entry: string, it: z.infer<typeof itemSchema>, vaultName: string | undefined): SourceEntry {
  const login = it.details.loginFields ?? [];
  const username = login.find((f) => f.designation === 'username')?.value ?? undefined;
  let password = login.find((f) => f.designation === 'password')?.value ?? it.details.password ?? undefined;
  let totp: string | undefined;
  let privateKey: string | undefined;
  let publicKey: string | undefined;
  const fields: SourceField[] = [];
  for (const f of login) {
    if (f.designation === 'username' || f.designation === 'password' || !f.value) continue;
    fields.push({ name: f.name ?? 'Field', value: f.value, concealed: f.fieldType === 'P' });
  }
  for (const s of it.details.sections ?? []) {
    for (const f of s.fields ?? []) {
      const v = f.value ? valueText(f.value) : null;
      if (!v || v.text === '') continue;
      if (v.type === 'totp' && !totp && it.categoryUuid === '001') {
        totp = v.text;
        continue;
      }
      if (v.type === 'sshKey') {
        privateKey = v.text;
        const meta = (f.value!.sshKey as { metadata?: { publicKey?: unknown } }).metadata;
        if (typeof meta?.publicKey === 'string') publicKey = meta.publicKey;
        continue;
      }
      if (it.categoryUuid === '112' && !password && (v.type === 'concealed' || f.id === 'credential')) {
        password = v.text;
        continue;
      }
      const name = [s.title, f.title].filter((x) => x && x.trim()).join(' › ') || 'Field';
      fields.push({ name, value: v.text, concealed: v.type === 'concealed' || v.type === 'totp' || v.type === 'creditCardNumber' || !!f.guarded });
    }
  }
  const urls = [...(it.overview.urls ?? []).map((u) => u.url ?? ''), it.overview.url ?? ''];
  const tags = [...(vaultName ? [vaultName] : []), ...(it.overview.tags ?? []), ...(it.state === 'archived' ? ['Archived'] : [])];
  const kind = KIND[it.categoryUuid] ?? 'secure_note';
  // A 1Password API credential lands as a login whose password is the credential: the
  // API detector then offers it as an API credential with a rule.
  const asKind: SourceKind = kind === 'api_credential' ? 'login' : kind;
  return {
    entry,
    kind: asKind,
    apiHint: kind === 'api_credential',
    title: it.overview.title ?? undefined,
    username,
    password,
    totp,
    urls,
    notes: it.details.notesPlain ?? undefined,
    tags,
    fields,
    privateKey,
    publicKey,
  };
}
