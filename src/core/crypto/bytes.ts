/**
 * Byte helpers the core needs without Node or DOM globals: UTF-8 (via @noble, which
 * uses the platform TextEncoder at run time), base64url without padding (RFC 4648 §5)
 * for ids and JSON dumps (the one strict codec in src/shared/encoding), and
 * constant-time equality.
 */
import { bytesToUtf8, concatBytes, equalBytes, utf8ToBytes } from '@noble/ciphers/utils.js';
import { LatchkeyError } from '../../shared/errors';
import { decodeBase64urlOrNull, toBase64url } from '../../shared/encoding/base64url';

export { bytesToUtf8, concatBytes, utf8ToBytes };

/** Constant-time comparison (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalBytes(a, b);
}

export { toBase64url };

/** Strict (src/shared/encoding/base64url.ts): throws `invalid_input` for non-canonical text. */
export function fromBase64url(text: string): Uint8Array {
  const bytes = decodeBase64urlOrNull(text);
  if (!bytes) throw new LatchkeyError('invalid_input', 'Malformed base64url text (wrong alphabet, padding, impossible length or non-zero trailing bits).');
  return bytes;
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

/**
 * A full garbage collection, where the runtime offers one (V8's `gc`, present when the
 * engine's process runs with ENGINE_JS_FLAGS, src/main/app/security.ts). Libraries make
 * short-lived copies of keys no wipe of ours reaches: @noble/ciphers copies every ChaCha
 * key into a fresh small Uint8Array and wipes it, but V8 has by then moved that array's
 * bytes out of its heap (first `.buffer` access) and left the old bytes behind as
 * garbage. With V8's --clear-free-memory a collection zeroes such garbage, so lock runs
 * one instead of waiting for the next allocation-driven one (which may never come while
 * the app sits locked). Without `gc` (plain browsers, tests) this does nothing.
 */
export function collectFreedKeyCopies(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
