/**
 * HKDF-SHA256 (RFC 5869) with Latchkey's labels. Every derived key names its use in
 * `info` ("latchkey/v1/<use>") so one input key never serves two purposes.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { offHeap, utf8ToBytes } from './bytes';

export function deriveKey(ikm: Uint8Array, salt: Uint8Array, label: string, length = 32): Uint8Array {
  return offHeap(hkdf(sha256, ikm, salt, utf8ToBytes(`latchkey/v1/${label}`), length));
}

export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}
