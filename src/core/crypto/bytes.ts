/**
 * Byte helpers the core needs without Node or DOM globals: UTF-8 (via @noble, which
 * uses the platform TextEncoder at run time), base64url without padding (RFC 4648 §5)
 * for ids and JSON dumps, and constant-time equality.
 */
import { bytesToUtf8, concatBytes, equalBytes, utf8ToBytes } from '@noble/ciphers/utils.js';
import { LatchkeyError } from '../../shared/errors';

export { bytesToUtf8, concatBytes, utf8ToBytes };

/** Constant-time comparison (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalBytes(a, b);
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64U.length; i++) B64U_INDEX[B64U.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64U[n >>> 18]! + B64U[(n >>> 12) & 63]! + B64U[(n >>> 6) & 63]! + B64U[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64U[n >>> 18]! + B64U[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64U[n >>> 18]! + B64U[(n >>> 12) & 63]! + B64U[(n >>> 6) & 63]!;
  }
  return out;
}

/** Strict: rejects padding, other alphabets, and non-canonical trailing bits. */
export function fromBase64url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new LatchkeyError('invalid_input', 'Malformed base64url text.');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64U_INDEX[c]! : -1;
    if (v < 0) throw new LatchkeyError('invalid_input', 'Malformed base64url text.');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new LatchkeyError('invalid_input', 'Malformed base64url text.');
  return out;
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new LatchkeyError('invalid_input', 'Counter out of range.');
  return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

/** Wipes every given buffer (key material must not outlive its use). */
export function wipe(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const b of buffers) b?.fill(0);
}

/**
 * Moves key material into its own ArrayBuffer and zeroes the source. V8 keeps small
 * typed arrays (`new Uint8Array(32)`, and what libraries return) inside its moving
 * heap: a garbage collection copies them and leaves the old bytes behind, where no
 * later wipe() reaches. A buffer made with `new ArrayBuffer` lives outside that heap
 * and is never moved, so wiping it wipes the only copy.
 */
export function offHeap(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(bytes.length));
  out.set(bytes);
  bytes.fill(0);
  return out;
}

/** A copy in its own ArrayBuffer (never `new Uint8Array(bytes)`: that copy may sit in V8's moving heap). */
export function offHeapCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}
