/**
 * Bitwarden's password-protected export ("encrypted": true, "passwordProtected": true),
 * as Bitwarden documents it (bitwarden.com/help/encrypted-export, and the clients'
 * `EncString` type 2):
 *
 *   key      = PBKDF2-SHA256(password, utf8(salt), kdfIterations, 32)           kdfType 0
 *            | argon2id(password, SHA-256(utf8(salt)), t=kdfIterations,
 *                       m=kdfMemory MiB, p=kdfParallelism, 32)                   kdfType 1
 *   encKey   = HKDF-Expand-SHA256(key, "enc", 32);  macKey = HKDF-Expand-SHA256(key, "mac", 32)
 *   EncString "2.<b64 iv>|<b64 ct>|<b64 mac>": mac = HMAC-SHA256(macKey, iv || ct),
 *            checked in constant time BEFORE AES-256-CBC (PKCS#7) decryption of ct.
 *
 * `encKeyValidation_DO_NOT_EDIT` is an EncString of arbitrary text: its MAC tells a
 * wrong password from a damaged file. `data` is the plain JSON export, encrypted.
 */
import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand } from '@noble/hashes/hkdf.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { LatchkeyError } from '../../shared/errors';
import { bytesToUtf8, concatBytes, constantTimeEqual, utf8ToBytes, wipe } from '../crypto/bytes';
import type { Kdf } from '../crypto/kdf';
import { decodeBase64OrNull } from './base64';
import { importError } from './types';

export interface BitwardenKdfParams {
  readonly kdfType: 0 | 1;
  readonly kdfIterations: number;
  readonly kdfMemory?: number | undefined;
  readonly kdfParallelism?: number | undefined;
  readonly salt: string;
}

/** Bitwarden's own bounds (its KDF settings page); beyond them the file is not one it writes, and the cost is refused. */
const PBKDF2_MAX_ITERATIONS = 2_000_000;

export interface BitwardenKeys {
  readonly encKey: Uint8Array;
  readonly macKey: Uint8Array;
}

export async function deriveBitwardenKeys(file: string, password: string, p: BitwardenKdfParams, kdf: Kdf): Promise<BitwardenKeys> {
  const pw = utf8ToBytes(password);
  let key: Uint8Array;
  try {
    if (p.kdfType === 0) {
      if (!Number.isSafeInteger(p.kdfIterations) || p.kdfIterations < 1 || p.kdfIterations > PBKDF2_MAX_ITERATIONS)
        throw importError(file, null, `its PBKDF2 iteration count must be 1 to ${PBKDF2_MAX_ITERATIONS}.`);
      key = await pbkdf2Async(sha256, pw, utf8ToBytes(p.salt), { c: p.kdfIterations, dkLen: 32 });
    } else {
      const memoryKiB = (p.kdfMemory ?? 64) * 1024;
      const parallelism = p.kdfParallelism ?? 4;
      // checkArgon2idBounds (inside the Kdf) refuses a cost the file could use to stall the worker.
      key = await kdf.argon2id({ password: pw, salt: sha256(utf8ToBytes(p.salt)), iterations: p.kdfIterations, memoryKiB, parallelism, hashLength: 32 });
    }
  } finally {
    wipe(pw);
  }
  try {
    return { encKey: expand(sha256, key, utf8ToBytes('enc'), 32), macKey: expand(sha256, key, utf8ToBytes('mac'), 32) };
  } finally {
    wipe(key);
  }
}

/** Decrypts one type-2 EncString; 'wrong_password' when its MAC does not verify. */
export function decryptEncString(file: string, what: string, s: string, keys: BitwardenKeys): string {
  const m = /^2\.([^|]+)\|([^|]+)\|([^|]+)$/.exec(s.trim());
  if (!m) throw importError(file, null, `its ${what} is not a Bitwarden encrypted string (type 2: AES-CBC with HMAC).`);
  const iv = decodeBase64OrNull(m[1]!);
  const ct = decodeBase64OrNull(m[2]!);
  const mac = decodeBase64OrNull(m[3]!);
  if (!iv || !ct || !mac || iv.length !== 16 || mac.length !== 32 || ct.length === 0 || ct.length % 16 !== 0) {
    throw importError(file, null, `its ${what} is damaged (wrong lengths).`);
  }
  const expected = hmac(sha256, keys.macKey, concatBytes(iv, ct));
  if (!constantTimeEqual(expected, mac)) throw new LatchkeyError('wrong_password', 'That password does not open this Bitwarden export (or the file was altered).', { file });
  let pt: Uint8Array;
  try {
    pt = cbc(keys.encKey, iv).decrypt(ct);
  } catch {
    throw importError(file, null, `its ${what} is damaged (bad padding).`);
  }
  try {
    return bytesToUtf8(pt);
  } finally {
    wipe(pt);
  }
}
