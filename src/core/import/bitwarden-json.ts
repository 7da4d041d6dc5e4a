/**
 * Bitwarden's JSON export (bitwarden.com/help/export-your-data, "File format: .json"):
 * `{ encrypted: false, folders: [{id, name}], items: [{ type, name, notes, folderId,
 * fields: [{name, value, type}], login | secureNote | card | identity | sshKey }] }`.
 * Item types: 1 login, 2 secure note, 3 card, 4 identity, 5 SSH key. Field types:
 * 0 text, 1 hidden, 2 boolean, 3 linked (a pointer to another field: nothing to copy).
 * A password-protected export wraps this JSON (bitwarden-crypto.ts).
 */
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { wipe } from '../crypto/bytes';
import type { Kdf } from '../crypto/kdf';
import { ImportCollector, entryLabel, type SourceField } from './build';
import { decryptEncString, deriveBitwardenKeys } from './bitwarden-crypto';
import { describeIssue, importError, type ImportResult } from './types';

const str = z.string().nullish();
const fieldSchema = z.object({ name: str, value: str, type: z.number().int().nullish() });
const itemSchema = z.object({
  type: z.number().int(),
  name: str,
  notes: str,
  folderId: str,
  collectionIds: z.array(z.string()).nullish(),
  fields: z.array(fieldSchema).nullish(),
  login: z.object({ username: str, password: str, totp: str, uris: z.array(z.object({ uri: str })).nullish() }).nullish(),
  card: z.record(z.string(), z.unknown()).nullish(),
  identity: z.record(z.string(), z.unknown()).nullish(),
  sshKey: z.object({ privateKey: str, publicKey: str, keyFingerprint: str }).nullish(),
  passwordHistory: z.array(z.unknown()).nullish(),
  attachments: z.array(z.unknown()).nullish(),
});
const plainSchema = z.object({
  encrypted: z.literal(false).optional(),
  folders: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
  collections: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
  items: z.array(z.unknown()),
});
const encryptedSchema = z.object({
  encrypted: z.literal(true),
  passwordProtected: z.boolean().optional(),
  salt: z.string().max(1024).optional(),
  kdfType: z.union([z.literal(0), z.literal(1)]).optional(),
  kdfIterations: z.number().int().optional(),
  kdfMemory: z.number().int().nullish(),
  kdfParallelism: z.number().int().nullish(),
  encKeyValidation_DO_NOT_EDIT: z.string().optional(),
  data: z.string().optional(),
});

/** Card and identity keys in Bitwarden's order, with the words people read. */
const CARD: [string, string, boolean][] = [
  ['cardholderName', 'Cardholder name', false],
  ['brand', 'Brand', false],
  ['number', 'Number', true],
  ['expMonth', 'Expiry month', false],
  ['expYear', 'Expiry year', false],
  ['code', 'Security code', true],
];
const IDENTITY: [string, string, boolean][] = [
  ['title', 'Title', false],
  ['firstName', 'First name', false],
  ['middleName', 'Middle name', false],
  ['lastName', 'Last name', false],
  ['username', 'Username', false],
  ['company', 'Company', false],
  ['email', 'Email', false],
  ['phone', 'Phone', false],
  ['address1', 'Address 1', false],
  ['address2', 'Address 2', false],
  ['address3', 'Address 3', false],
  ['city', 'City', false],
  ['state', 'State or province', false],
  ['postalCode', 'Postal code', false],
  ['country', 'Country', false],
  ['ssn', 'Social security number', true],
  ['passportNumber', 'Passport number', true],
  ['licenseNumber', 'Licence number', true],
];

function fieldsFrom(obj: Record<string, unknown> | null | undefined, map: [string, string, boolean][]): SourceField[] {
  if (!obj) return [];
  return map.flatMap(([k, name, concealed]) => {
    const v = obj[k];
    return typeof v === 'string' && v.trim() ? [{ name, value: v, concealed }] : typeof v === 'number' ? [{ name, value: String(v), concealed }] : [];
  });
}

export function importBitwardenPlain(file: string, json: unknown): ImportResult {
  const top = plainSchema.safeParse(json);
  if (!top.success) throw importError(file, null, describeIssue(top.error));
  const folders = new Map((top.data.folders ?? []).map((f) => [f.id, f.name]));
  const collections = new Map((top.data.collections ?? []).map((f) => [f.id, f.name]));
  const c = new ImportCollector();
  top.data.items.forEach((raw, i) => {
    const n = i + 1;
    const rawName = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : undefined;
    const parsed = itemSchema.safeParse(raw);
    if (!parsed.success) throw importError(file, entryLabel(n, rawName), describeIssue(parsed.error));
    const it = parsed.data;
    const entry = entryLabel(n, it.name ?? undefined);
    const tags = [
      ...(it.folderId && folders.get(it.folderId) ? [folders.get(it.folderId)!] : []),
      ...(it.collectionIds ?? []).flatMap((id) => (collections.has(id) ? [collections.get(id)!] : [])),
    ];
    const fields: SourceField[] = (it.fields ?? []).flatMap((f) => (f.type === 3 ? [] : [{ name: f.name ?? '', value: f.value ?? '', concealed: f.type === 1 }]));
    if ((it.fields ?? []).some((f) => f.type === 3)) c.drop(entry, 'linked fields (they point at other fields)');
    if (it.attachments?.length) c.drop(entry, 'attachments');
    if (it.passwordHistory?.length) c.drop(entry, 'password history');
    const common = { entry, title: it.name ?? undefined, notes: it.notes ?? undefined, tags };
    switch (it.type) {
      case 1:
        return c.add({
          ...common,
          kind: 'login',
          username: it.login?.username ?? undefined,
          password: it.login?.password ?? undefined,
          totp: it.login?.totp ?? undefined,
          urls: (it.login?.uris ?? []).map((u) => u.uri ?? ''),
          fields,
        });
      case 2:
        return c.add({ ...common, kind: 'secure_note', fields });
      case 3:
        return c.add({ ...common, kind: 'card', fields: [...fieldsFrom(it.card, CARD), ...fields] });
      case 4:
        return c.add({ ...common, kind: 'identity', fields: [...fieldsFrom(it.identity, IDENTITY), ...fields] });
      case 5:
        return c.add({ ...common, kind: 'ssh_key', privateKey: it.sshKey?.privateKey ?? undefined, publicKey: it.sshKey?.publicKey ?? undefined, fields });
      default:
        return c.skip(entry, `Bitwarden item type ${it.type} is not one Latchkey knows`);
    }
  });
  return c.result();
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw importError(file, null, 'it is not valid JSON.');
  }
}

/** A Bitwarden JSON export, plain or password-protected; `password` only for the latter. */
export async function importBitwardenJson(file: string, text: string, opts: { password?: string | undefined; kdf: Kdf }): Promise<ImportResult> {
  const json = parseJson(file, text);
  const enc = encryptedSchema.safeParse(json);
  if (!enc.success) return importBitwardenPlain(file, json);
  const e = enc.data;
  if (!e.passwordProtected) {
    throw importError(
      file,
      null,
      'this is an "account restricted" encrypted export, which only your Bitwarden account can open. Export again choosing "Password protected", or as plain JSON.',
    );
  }
  if (e.salt === undefined || e.kdfType === undefined || e.kdfIterations === undefined || !e.encKeyValidation_DO_NOT_EDIT || !e.data) {
    throw importError(file, null, 'its encryption header is incomplete (salt, KDF, validation or data is missing).');
  }
  if (!opts.password) throw new LatchkeyError('wrong_password', 'This Bitwarden export is password protected: enter the password it was exported with.', { file });
  const keys = await deriveBitwardenKeys(
    file,
    opts.password,
    { salt: e.salt, kdfType: e.kdfType, kdfIterations: e.kdfIterations, kdfMemory: e.kdfMemory ?? undefined, kdfParallelism: e.kdfParallelism ?? undefined },
    opts.kdf,
  );
  try {
    decryptEncString(file, 'password check', e.encKeyValidation_DO_NOT_EDIT, keys);
    const inner = parseJson(file, decryptEncString(file, 'data', e.data, keys));
    return importBitwardenPlain(file, inner);
  } finally {
    wipe(keys.encKey, keys.macKey);
  }
}
