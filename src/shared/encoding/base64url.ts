/**
 * The one base64url codec (RFC 4648 §5, no padding) for everything signed or synced:
 * keys, signatures, ciphertext, policy files. Decoding is strict so that one byte
 * string has exactly one text form: a length ≡ 1 (mod 4) cannot come from any bytes,
 * and a final character with non-zero unused bits ("AB" vs "AA" for one zero byte)
 * would let two texts decode alike. Both are refused, as are padding and the `+/`
 * alphabet. Pure TypeScript (no Buffer, no atob) so src/core and the renderer can use it.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

/** The decoded bytes, or null for anything that is not canonical unpadded base64url. */
export function decodeBase64urlOrNull(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? INDEX[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Whether `text` is canonical unpadded base64url (what schemas refine with). */
export function isCanonicalBase64url(text: string): boolean {
  if (text.length % 4 === 1) return false;
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return false;
  const tail = text.length % 4;
  if (tail === 0) return true;
  // 2 chars carry 8 bits (4 unused), 3 chars carry 16 bits (2 unused): those must be 0.
  const last = INDEX[text.charCodeAt(text.length - 1)]!;
  return (last & (tail === 2 ? 0b1111 : 0b11)) === 0;
}
