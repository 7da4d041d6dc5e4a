/**
 * THE BASELINE, frozen: src/core/scrub/forms.ts as it was before issue 10 (commit 67428f4),
 * so bench/scrub.bench.ts can run today's scrubber beside the new one on the same input.
 * Not used by the app.
 */
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
import { utf8ToBytes } from '../../../src/core/crypto/bytes';

/** Secrets shorter than this are not scrubbed: a 3-character value would redact ordinary text everywhere. */
export const MIN_SECRET_LENGTH = 6;
/** Encoded fragments shorter than this are not used as patterns (false positives). */
export const MIN_FORM_LENGTH = 6;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The base64 characters fully determined by `bytes` when they start at byte offset `shift` (0, 1 or 2). */
export function base64Core(bytes: Uint8Array, shift: 0 | 1 | 2): string {
  const startBit = 8 * shift;
  const endBit = 8 * (shift + bytes.length);
  const firstChar = Math.ceil(startBit / 6);
  const lastChar = Math.floor(endBit / 6); // exclusive
  let out = '';
  for (let ci = firstChar; ci < lastChar; ci++) {
    let v = 0;
    for (let b = 0; b < 6; b++) {
      const bit = ci * 6 + b - startBit; // bit index inside `bytes`
      const byte = bytes[bit >> 3]!;
      v = (v << 1) | ((byte >> (7 - (bit & 7))) & 1);
    }
    out += B64.charAt(v);
  }
  return out;
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
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
  for (const shift of [0, 1, 2] as const) {
    const core = base64Core(bytes, shift);
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  bytes.fill(0);
  return [...forms].filter((f) => f.length >= MIN_FORM_LENGTH);
}
