/**
 * Latchkey's encrypted export, format 1 (docs/export-format.md): a passphrase-derived
 * argon2id key and one XChaCha20-Poly1305 ciphertext over the whole item list, the
 * header bound as AAD so no parameter can be changed without the tag failing.
 *
 *   header = "LKEX" | u8 version=1 | u8 kdf=1 (argon2id) | u32be memoryKiB | u32be iterations
 *            | u8 parallelism | salt[16] | nonce[24]                        (55 bytes)
 *   file   = header | XChaCha20-Poly1305(key, nonce, plaintext, aad=header)  (ct || tag[16])
 *   key    = argon2id(utf8(passphrase), salt, m, t, p, 32)
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { itemDraftSchema, type ItemDraft } from '../../shared/items';
import { bytesToUtf8, concatBytes, u32be, utf8ToBytes, wipe } from '../crypto/bytes';
import { checkArgon2idBounds, type Argon2idParams, type Kdf } from '../crypto/kdf';
import type { RandomSource } from '../crypto/random';
import { ImportCollector, entryLabel } from '../import/build';
import { importError, type ImportResult, type SourceKind } from '../import/types';

export const EXPORT_MAGIC = new Uint8Array([0x4c, 0x4b, 0x45, 0x58]);
export const EXPORT_VERSION = 1;
const KDF_ARGON2ID = 1;
export const EXPORT_HEADER_LENGTH = 55;
const SALT = 16;
const NONCE = 24;
const TAG = 16;

/** One exported item: everything the vault holds about it, so a re-import loses nothing. */
const exportedItemSchema = z.object({
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  overview: z.unknown(),
  details: z.unknown(),
});
export const exportPayloadSchema = z.object({
  format: z.literal('latchkey-export'),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.number().int(),
  items: z.array(exportedItemSchema),
});
export interface ExportedItem extends ItemDraft {
  readonly createdAt: number;
  readonly updatedAt: number;
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
  const payload = {
    format: 'latchkey-export',
    version: EXPORT_VERSION,
    exportedAt: deps.now,
    items: items.map((i) => ({ createdAt: i.createdAt, updatedAt: i.updatedAt, overview: i.overview, details: i.details })),
  };
  const pt = utf8ToBytes(JSON.stringify(payload));
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

/** Opens an export; 'wrong_password' when the passphrase (or any byte of the file) is wrong. */
export async function openExport(file: string, bytes: Uint8Array, passphrase: string | undefined, kdf: Kdf): Promise<ExportedItem[]> {
  // The confirmed plaintext JSON export is the same payload, unencrypted.
  if (bytes[0] === 0x7b) return itemsOf(file, parseJsonPayload(file, bytes));
  if (bytes.length < EXPORT_HEADER_LENGTH + TAG || !EXPORT_MAGIC.every((b, i) => bytes[i] === b)) throw importError(file, null, 'it is not a Latchkey export.');
  if (bytes[4] !== EXPORT_VERSION) throw importError(file, null, `it is a Latchkey export of format ${bytes[4]}, which this version cannot read; update Latchkey.`);
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
    return itemsOf(file, parseJsonPayload(file, pt));
  } finally {
    wipe(pt);
  }
}

function parseJsonPayload(file: string, pt: Uint8Array): unknown {
  try {
    return JSON.parse(bytesToUtf8(pt));
  } catch {
    throw importError(file, null, 'its contents are not valid JSON.');
  }
}

function itemsOf(file: string, json: unknown): ExportedItem[] {
  const parsed = exportPayloadSchema.safeParse(json);
  if (!parsed.success) throw importError(file, null, 'its contents are not a Latchkey item list.');
  return parsed.data.items.map((it, i) => {
    const d = itemDraftSchema.safeParse({ overview: it.overview, details: it.details });
    if (!d.success) throw importError(file, entryLabel(i + 1, undefined), 'the item is not valid.');
    return { ...d.data, createdAt: it.createdAt, updatedAt: it.updatedAt };
  });
}

const KIND: Record<ItemDraft['overview']['kind'], SourceKind> = { login: 'login', api_credential: 'api_credential', ssh_key: 'ssh_key', secure_note: 'secure_note' };

/** The export as an import result: its items as they were, nothing guessed or offered. */
export async function importLatchkeyExport(file: string, bytes: Uint8Array, passphrase: string | undefined, kdf: Kdf): Promise<ImportResult> {
  const items = await openExport(file, bytes, passphrase, kdf);
  const c = new ImportCollector();
  items.forEach((it, i) => c.addDraft(entryLabel(i + 1, it.overview.title), KIND[it.overview.kind], { overview: it.overview, details: it.details }));
  return c.result();
}
