/**
 * Latchkey's encrypted export, format 2 (docs/export-format.md): a passphrase-derived
 * argon2id key and one XChaCha20-Poly1305 ciphertext over the whole item list, the
 * header bound as AAD so no parameter can be changed without the tag failing. Format 2
 * adds the trash and each item's history; format 1 files still open.
 *
 *   header = "LKEX" | u8 version=2 | u8 kdf=1 (argon2id) | u32be memoryKiB | u32be iterations
 *            | u8 parallelism | salt[16] | nonce[24]                        (55 bytes)
 *   file   = header | XChaCha20-Poly1305(key, nonce, plaintext, aad=header)  (ct || tag[16])
 *   key    = argon2id(utf8(passphrase), salt, m, t, p, 32)
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';
import { itemDraftSchema, storedItemDetailsSchema, type ItemDraft, type ItemOverview, type StoredItemDetails } from '../../shared/items';
import { bytesToUtf8, concatBytes, u32be, utf8ToBytes, wipe } from '../crypto/bytes';
import { historyProblem, withoutHistory } from '../items/history';
import { checkArgon2idBounds, type Argon2idParams, type Kdf } from '../crypto/kdf';
import type { RandomSource } from '../crypto/random';
import { ImportCollector, entryLabel } from '../import/build';
import { importError, type ImportResult, type SourceKind } from '../import/types';

export const EXPORT_MAGIC = new Uint8Array([0x4c, 0x4b, 0x45, 0x58]);
/** What sealExport writes. */
export const EXPORT_VERSION = 2;
/** The payload without trash and history: format 1 files, and the plaintext JSON export. */
export const EXPORT_VERSION_CONTENT_ONLY = 1;
const KDF_ARGON2ID = 1;
export const EXPORT_HEADER_LENGTH = 55;
const SALT = 16;
const NONCE = 24;
const TAG = 16;

/** One exported item: its content and times; in format 2 also its trash mark and history. */
const exportedItemSchema = z.object({
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  overview: z.unknown(),
  details: z.unknown(),
});
const payloadSchema = (version: number) =>
  z.object({
    format: z.literal('latchkey-export'),
    version: z.literal(version),
    exportedAt: z.number().int(),
    items: z.array(version === EXPORT_VERSION_CONTENT_ONLY ? exportedItemSchema : exportedItemSchema.strict()),
  });
export interface ExportedItem {
  readonly createdAt: number;
  readonly updatedAt: number;
  /** May carry `trashedAt` (format 2 only). */
  readonly overview: ItemOverview;
  /** May carry `history` (format 2 only). */
  readonly details: StoredItemDetails;
}

/** The payload of §2: content only (format 1, plaintext JSON) or with trash and history (format 2). */
export function exportPayload(items: readonly ExportedItem[], version: typeof EXPORT_VERSION | typeof EXPORT_VERSION_CONTENT_ONLY, now: number) {
  const kept = version === EXPORT_VERSION ? items : items.filter((i) => i.overview.trashedAt === undefined);
  return {
    format: 'latchkey-export',
    version,
    exportedAt: now,
    items: kept.map((i) => ({
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      overview: i.overview,
      details: version === EXPORT_VERSION ? i.details : withoutHistory(i.details),
    })),
  };
}

function header(p: Argon2idParams, salt: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes(EXPORT_MAGIC, new Uint8Array([EXPORT_VERSION, KDF_ARGON2ID]), u32be(p.memoryKiB), u32be(p.iterations), new Uint8Array([p.parallelism]), salt, nonce);
}

async function deriveKey(kdf: Kdf, passphrase: string, salt: Uint8Array, p: Argon2idParams): Promise<Uint8Array> {
  const pw = utf8ToBytes(passphrase);
  try {
    return await kdf.argon2id({ ...p, password: pw, salt, hashLength: 32 });
  } finally {
    wipe(pw);
  }
}

export async function sealExport(
  items: readonly ExportedItem[],
  passphrase: string,
  deps: { kdf: Kdf; random: RandomSource; params: Argon2idParams; now: number },
): Promise<Uint8Array> {
  checkArgon2idBounds(deps.params);
  const salt = deps.random.bytes(SALT);
  const nonce = deps.random.bytes(NONCE);
  const head = header(deps.params, salt, nonce);
  const pt = utf8ToBytes(JSON.stringify(exportPayload(items, EXPORT_VERSION, deps.now)));
  const key = await deriveKey(deps.kdf, passphrase, salt, deps.params);
  try {
    return concatBytes(head, xchacha20poly1305(key, nonce, head).encrypt(pt));
  } finally {
    wipe(key, pt);
  }
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** What an export holds; `encrypted` tells whether its tag verified (only then may it restore trash and history). */
export interface OpenedExport {
  readonly encrypted: boolean;
  readonly items: ExportedItem[];
}

/** Opens an export; 'wrong_password' when the passphrase (or any byte of the file) is wrong. */
export async function openExport(file: string, bytes: Uint8Array, passphrase: string | undefined, kdf: Kdf): Promise<OpenedExport> {
  // The confirmed plaintext JSON export is the format-1 payload, unencrypted: content only.
  if (bytes[0] === 0x7b) return { encrypted: false, items: itemsOf(file, parseJsonPayload(file, bytes), EXPORT_VERSION_CONTENT_ONLY) };
  if (bytes.length < EXPORT_HEADER_LENGTH + TAG || !EXPORT_MAGIC.every((b, i) => bytes[i] === b)) throw importError(file, null, 'it is not a Latchkey export.');
  const version = bytes[4]!;
  if (version !== EXPORT_VERSION && version !== EXPORT_VERSION_CONTENT_ONLY)
    throw importError(file, null, `it is a Latchkey export of format ${bytes[4]}, which this version cannot read; update Latchkey.`);
  if (bytes[5] !== KDF_ARGON2ID) throw importError(file, null, 'its key derivation is not one Latchkey knows.');
  const params = { memoryKiB: u32(bytes, 6), iterations: u32(bytes, 10), parallelism: bytes[14]! };
  try {
    checkArgon2idBounds(params);
  } catch (e) {
    throw e instanceof LatchkeyError ? new LatchkeyError(e.code, `Cannot import ${file}: ${e.message}`, { file }) : e;
  }
  if (!passphrase) throw new LatchkeyError('wrong_password', 'Enter the passphrase this export was made with.', { file });
  const salt = bytes.slice(15, 15 + SALT);
  const nonce = bytes.slice(15 + SALT, EXPORT_HEADER_LENGTH);
  const head = bytes.subarray(0, EXPORT_HEADER_LENGTH);
  const key = await deriveKey(kdf, passphrase, salt, params);
  let pt: Uint8Array;
  try {
    pt = xchacha20poly1305(key, nonce, head).decrypt(bytes.subarray(EXPORT_HEADER_LENGTH));
  } catch {
    throw new LatchkeyError('wrong_password', 'That passphrase does not open this export (or the file was altered).', { file });
  } finally {
    wipe(key);
  }
  try {
    // The payload must be of the header's version: the header is authenticated, so it says what the writer meant.
    return { encrypted: true, items: itemsOf(file, parseJsonPayload(file, pt), version) };
  } finally {
    wipe(pt);
  }
}

function parseJsonPayload(file: string, pt: Uint8Array): unknown {
  const r = tryParseStrictJson(bytesToUtf8(pt));
  if (!r.ok) throw importError(file, null, r.reason === 'duplicate_key' ? 'its contents repeat a name inside one object.' : 'its contents are not valid JSON.');
  return r.value;
}

const trashTime = z.number().int().nonnegative();

function itemsOf(file: string, json: unknown, version: number): ExportedItem[] {
  const parsed = payloadSchema(version).safeParse(json);
  if (!parsed.success) {
    const v = (json as { version?: unknown } | null)?.version;
    if (version === EXPORT_VERSION_CONTENT_ONLY && v === EXPORT_VERSION)
      throw importError(file, null, 'an unencrypted file cannot carry the trash or earlier versions; export it encrypted.');
    throw importError(file, null, 'its contents are not a Latchkey item list.');
  }
  return parsed.data.items.map((it, i) => {
    const o = it.overview as { trashedAt?: unknown } | null;
    const d = it.details as { history?: unknown } | null;
    const rich = version === EXPORT_VERSION;
    // Format 1 has no trash and no history: such members there are not what the writer made.
    if (!rich && ((o && typeof o === 'object' && 'trashedAt' in o) || (d && typeof d === 'object' && 'history' in d)))
      throw importError(file, entryLabel(i + 1, undefined), 'the item carries the trash or earlier versions, which this kind of file cannot.');
    const { trashedAt, ...content } = o ?? {};
    const { history, ...body } = d ?? {};
    const draft = itemDraftSchema.safeParse({ overview: content, details: body });
    // An empty history is no history (the engine never stores one).
    const stored = storedItemDetailsSchema.safeParse(history === undefined || (Array.isArray(history) && history.length === 0) ? body : { ...body, history });
    // Absent means live; anything present must be a time (null is not "not trashed").
    const trash = trashedAt === undefined ? ({ success: true, data: undefined } as const) : trashTime.safeParse(trashedAt);
    if (!draft.success || !stored.success || !trash.success) throw importError(file, entryLabel(i + 1, undefined), 'the item is not valid.');
    const problem = historyProblem(stored.data);
    if (problem) throw importError(file, entryLabel(i + 1, draft.data.overview.title), problem);
    const overview = trash.data === undefined ? draft.data.overview : { ...draft.data.overview, trashedAt: trash.data };
    return { overview, details: stored.data, createdAt: it.createdAt, updatedAt: it.updatedAt };
  });
}

const KIND: Record<ItemDraft['overview']['kind'], SourceKind> = { login: 'login', api_credential: 'api_credential', ssh_key: 'ssh_key', secure_note: 'secure_note' };

/**
 * The export as an import result: its items as they were, nothing guessed or offered.
 * Only an encrypted export (its tag verified) hands on trash marks and histories, in
 * `restore`; the engine writes those through its one restore path.
 */
export async function importLatchkeyExport(file: string, bytes: Uint8Array, passphrase: string | undefined, kdf: Kdf): Promise<ImportResult> {
  const opened = await openExport(file, bytes, passphrase, kdf);
  const c = new ImportCollector();
  opened.items.forEach((it, i) => {
    const draft: ItemDraft = { overview: untrashedOverview(it.overview), details: withoutHistory(it.details) };
    const restore = opened.encrypted && (it.overview.trashedAt !== undefined || it.details.history?.length) ? { overview: it.overview, details: it.details } : undefined;
    c.addDraft(entryLabel(i + 1, it.overview.title), KIND[it.overview.kind], draft, restore);
  });
  return c.result();
}

function untrashedOverview(o: ItemOverview): ItemOverview {
  const { trashedAt: _t, ...rest } = o;
  return rest;
}
