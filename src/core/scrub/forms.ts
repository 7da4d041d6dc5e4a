/**
 * The encoded forms of a secret that a scrubber must catch in text returned to an
 * agent: raw, hex (lower and upper case), URL-encoded (percent and form style),
 * JSON-escaped, and base64 / base64url at each of the three byte alignments.
 *
 * Why three alignments: base64 encodes 3 bytes as 4 characters, so the text a secret
 * becomes depends on its offset modulo 3 inside the encoded byte string (e.g. inside
 * `Authorization: Basic base64(user ":" secret)` or a base64'd JSON document). For each
 * offset we keep only the characters whose 6 bits come entirely from the secret — the
 * stable core that appears whatever bytes surround it. Padding and the partial edge
 * characters are dropped for the same reason.
 */
import { utf8ToBytes } from '../crypto/bytes';

/** Secrets shorter than this are not scrubbed: a 3-character value would redact ordinary text everywhere. */
export const MIN_SECRET_LENGTH = 6;
/** Encoded fragments shorter than this are not used as patterns (false positives). */
export const MIN_FORM_LENGTH = 6;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Characters no encoder in this file escapes (encodeURIComponent and JSON leave them alone). */
const PLAIN = /^[A-Za-z0-9\-_.!~*'()]*$/;

/** The base64 characters fully determined by `bytes` when they start at byte offset `shift` (0, 1 or 2). */
export function base64Core(bytes: Uint8Array, shift: 0 | 1 | 2): string {
  // Encode `shift` zero bytes + bytes in 3-byte groups, then keep the characters whose
  // bits lie entirely inside `bytes` (bit range [8·shift, 8·(shift+len))).
  const total = shift + bytes.length;
  const at = (i: number): number => (i < shift || i >= total ? 0 : bytes[i - shift]!);
  const firstChar = Math.ceil((8 * shift) / 6);
  const lastChar = Math.floor((8 * total) / 6); // exclusive
  let out = '';
  for (let g = 0; 4 * g < lastChar; g++) {
    const v = (at(3 * g) << 16) | (at(3 * g + 1) << 8) | at(3 * g + 2);
    for (let k = 0; k < 4; k++) {
      const ci = 4 * g + k;
      if (ci >= firstChar && ci < lastChar) out += B64.charAt((v >> (18 - 6 * k)) & 63);
    }
  }
  return out;
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX_DIGITS[b]!;
  return s;
}

/** Every form of `secret` worth matching (deduplicated; short fragments dropped). */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const bytes = utf8ToBytes(secret);
  const forms = new Set<string>([secret]);
  const hex = toHex(bytes);
  forms.add(hex);
  forms.add(hex.toUpperCase());
  // Most secrets are plain ASCII letters and digits: then every escaped form is the secret itself.
  if (!PLAIN.test(secret)) {
    const pct = encodeURIComponent(secret);
    forms.add(pct);
    forms.add(pct.replace(/%20/g, '+'));
    // Lower-case percent escapes are equally valid (RFC 3986 §2.1) and some servers emit them.
    forms.add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    const json = JSON.stringify(secret).slice(1, -1);
    forms.add(json);
    // JSON.stringify leaves "/" and non-ASCII alone; other encoders escape them.
    forms.add(json.replace(/\//g, '\\/'));
    forms.add(json.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));
  }
  // Percent-decoding and base64/hex decoding yield BYTES (one character each): a
  // non-ASCII secret is then its UTF-8 bytes read as Latin-1.
  if (bytes.length !== secret.length) {
    let latin1 = '';
    for (const b of bytes) latin1 += String.fromCharCode(b);
    forms.add(latin1);
  }
  for (const shift of [0, 1, 2] as const) {
    const core = base64Core(bytes, shift);
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  bytes.fill(0);
  return [...forms].filter((f) => f.length >= MIN_FORM_LENGTH);
}

/**
 * The exact forms a scrubber WITH views needs: the views decode base64, hex and
 * entities before matching, so those forms would only be found twice. Left: the
 * secret, its percent and JSON escapes when it has characters to escape (an escape in
 * the text just before it can swallow its first characters in the decoded view; `+`
 * for a space is not decoded at all), and its UTF-8 bytes as Latin-1 (non-ASCII
 * secrets, for byte views).
 */
export function viewForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set([secret]);
  // A decoder reads `%aa%2B…` as the byte AA then `+`: an escape just before the secret
  // can swallow its first characters. The escaped forms themselves are matched as they are.
  if (!PLAIN.test(secret)) {
    const pct = encodeURIComponent(secret);
    forms.add(pct);
    forms.add(pct.replace(/%20/g, '+'));
    forms.add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    const json = JSON.stringify(secret).slice(1, -1);
    forms.add(json);
    forms.add(json.replace(/\//g, '\\/'));
  }
  let ascii = true;
  for (let i = 0; i < secret.length && ascii; i++) ascii = secret.charCodeAt(i) < 0x80;
  if (!ascii) {
    const bytes = utf8ToBytes(secret);
    let latin1 = '';
    for (const b of bytes) latin1 += String.fromCharCode(b);
    bytes.fill(0);
    forms.add(latin1);
  }
  return [...forms];
}

/**
 * Fuzzy views (skeleton, case-folded, reversed) match a secret with its separators and
 * case ignored, so they apply only to a secret whose folded skeleton is at least this
 * long and this random: an ordinary word or phrase never qualifies (see docs/gateway.md).
 */
export const FUZZY_MIN_LENGTH = 16;
/** Shannon entropy of the folded skeleton's characters, bits per character. */
export const FUZZY_MIN_ENTROPY = 3;

/** Counts of Latin-1 code units, zero between calls (entropyPerChar runs for every secret at unlock). */
const LATIN1_COUNTS = new Int32Array(256);

/**
 * Bits per character of `s`'s character distribution. Summed in first-occurrence order
 * (as a Map would iterate), so the value is the same to the last bit whichever way the
 * counts are kept: the threshold decision must not change between add and delete.
 */
export function entropyPerChar(s: string): number {
  const order: number[] = [];
  let wide: Map<number, number> | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 256) {
      if (LATIN1_COUNTS[c]!++ === 0) order.push(c);
    } else {
      wide ??= new Map();
      const n = wide.get(c);
      if (n === undefined) order.push(c);
      wide.set(c, (n ?? 0) + 1);
    }
  }
  let h = 0;
  for (const c of order) {
    const p = (c < 256 ? LATIN1_COUNTS[c]! : wide!.get(c)!) / s.length;
    h -= p * Math.log2(p);
  }
  for (const c of order) if (c < 256) LATIN1_COUNTS[c] = 0;
  return h;
}

/** A string of UTF-16 code units, in slices: a spread of a long value (a key file) would overflow the call stack. */
function fromCodes(units: readonly number[]): string {
  let out = '';
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
  return out;
}

/**
 * The fuzzy patterns of `secret`: its folded skeleton, forward and reversed (`fold`
 * is the skeleton table of scrubber.ts), or none when it is too short or too regular.
 */
export function fuzzyForms(secret: string, fold: Uint16Array, skip: number): string[] {
  // Code arrays, one string each at the end: this runs for every secret at unlock.
  const units: number[] = [];
  for (let i = 0; i < secret.length; i++) {
    const c = fold[secret.charCodeAt(i)]!;
    if (c !== skip) units.push(c);
  }
  if (units.length < FUZZY_MIN_LENGTH) return [];
  const skel = fromCodes(units);
  if (entropyPerChar(skel) < FUZZY_MIN_ENTROPY) return [];
  const back: number[] = [];
  for (let i = units.length - 1; i >= 0; i--) {
    const c = units[i]!;
    // Keep a surrogate pair in order: a reversed text reverses characters, not code units.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && units[i - 1]! >= 0xd800 && units[i - 1]! <= 0xdbff) {
      back.push(units[i - 1]!, c);
      i--;
    } else back.push(c);
  }
  const rev = fromCodes(back);
  return rev === skel ? [skel] : [skel, rev];
}
