/**
 * unescape(): one decoding pass over percent escapes of any byte (`%6C`), `\uXXXX`,
 * `\u{…}`, `\xXX` and the single-character backslash escapes of JSON/JS, and HTML
 * numeric (`&#108;`, `&#x6C;`) and named (`&amp;`…) entities. Applied repeatedly, it
 * undoes JSON escaped twice (or more).
 */
import { HEX } from './digits';
import { Builder, type View } from './view';

function hexAt(s: string, i: number, digits: number): number {
  if (i + digits > s.length) return -1;
  let v = 0;
  for (let k = 0; k < digits; k++) {
    const d = HEX[s.charCodeAt(i + k)]!;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

const BACKSLASH: Record<string, number> = { '"': 0x22, "'": 0x27, '\\': 0x5c, '/': 0x2f, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, '0': 0x00, '`': 0x60 };

/** HTML named entities whose character could be part of a secret (printable ASCII, NBSP, tab, newline). */
const ENTITIES: Record<string, number> = {
  Tab: 9,
  NewLine: 10,
  excl: 33,
  quot: 34,
  QUOT: 34,
  num: 35,
  dollar: 36,
  percnt: 37,
  amp: 38,
  AMP: 38,
  apos: 39,
  lpar: 40,
  rpar: 41,
  ast: 42,
  midast: 42,
  plus: 43,
  comma: 44,
  hyphen: 45,
  dash: 45,
  period: 46,
  sol: 47,
  colon: 58,
  semi: 59,
  lt: 60,
  LT: 60,
  equals: 61,
  gt: 62,
  GT: 62,
  quest: 63,
  commat: 64,
  lsqb: 91,
  lbrack: 91,
  bsol: 92,
  rsqb: 93,
  rbrack: 93,
  Hat: 94,
  lowbar: 95,
  UnderBar: 95,
  grave: 96,
  DiacriticalGrave: 96,
  lcub: 123,
  lbrace: 123,
  verbar: 124,
  vert: 124,
  VerticalLine: 124,
  rcub: 125,
  rbrace: 125,
  nbsp: 160,
  NonBreakingSpace: 160,
  shy: 173,
};

/**
 * One decoding pass (see the file comment), or null when the text holds nothing to
 * decode (the common case costs three indexOf calls).
 */
export function unescape(v: View): View | null {
  const s = v.text;
  if (s.indexOf('%') < 0 && s.indexOf('\\') < 0 && s.indexOf('&') < 0) return null;
  const out = new Builder(v, s.length);
  let changed = false;
  const n = s.length;
  // Where the next '%', backslash and '&' are (n: none): the text between is copied in one go.
  let pct = -1;
  let bsl = -1;
  let amp = -1;
  for (let i = 0; i < n;) {
    if (pct < i) pct = at(s.indexOf('%', i), n);
    if (bsl < i) bsl = at(s.indexOf('\\', i), n);
    if (amp < i) amp = at(s.indexOf('&', i), n);
    const next = Math.min(pct, bsl, amp);
    if (next > i) {
      out.copy(i, next);
      i = next;
      if (i === n) break;
    }
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const end = pushByteEscapes(out, s, i, '%', 1);
      if (end > i) {
        i = end;
        changed = true;
        continue;
      }
    } else if (c === 0x5c /* \ */ && i + 1 < n) {
      const e = s.charAt(i + 1);
      if (e === 'u') {
        const u = hexAt(s, i + 2, 4);
        if (u >= 0) {
          out.push(u, i, i + 6);
          i += 6;
          changed = true;
          continue;
        }
        if (s.charAt(i + 2) === '{') {
          const close = s.indexOf('}', i + 3);
          const cp = close > i + 3 && close <= i + 9 ? hexAt(s, i + 3, close - i - 3) : -1;
          if (cp >= 0 && cp <= 0x10ffff) {
            pushCodePoint(out, cp, i, close + 1);
            i = close + 1;
            changed = true;
            continue;
          }
        }
      } else if (e === 'x') {
        const end = pushByteEscapes(out, s, i, '\\x', 2);
        if (end > i) {
          i = end;
          changed = true;
          continue;
        }
      } else {
        const m = BACKSLASH[e];
        if (m !== undefined) {
          out.push(m, i, i + 2);
          i += 2;
          changed = true;
          continue;
        }
      }
    } else if (c === 0x26 /* & */) {
      const r = entity(s, i);
      if (r !== null) {
        pushCodePoint(out, r.cp, i, r.end);
        i = r.end;
        changed = true;
        continue;
      }
    }
    out.push(c, i, i + 1);
    i++;
  }
  if (changed) return out.view(v.reachesEnd);
  out.discard();
  return null;
}

/** indexOf's result, with n for "not found". */
function at(found: number, n: number): number {
  return found < 0 ? n : found;
}

/**
 * A byte escape (`%XX`, `\xXX`) at `i`, taken with the escapes after it when they
 * form one UTF-8 sequence (then one character, as a decoder reads it; otherwise the
 * byte alone, as Latin-1). Returns the end, or `i` when there is no escape there.
 */
function pushByteEscapes(out: Builder, s: string, i: number, intro: string, introLen: number): number {
  const step = introLen + 2;
  const b0 = hexAt(s, i + introLen, 2);
  if (b0 < 0) return i;
  const extra = b0 >= 0xc2 && b0 <= 0xdf ? 1 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xf0 && b0 <= 0xf4 ? 3 : 0;
  let cp = extra === 1 ? b0 & 0x1f : extra === 2 ? b0 & 0x0f : b0 & 0x07;
  let ok = extra > 0;
  for (let k = 1; ok && k <= extra; k++) {
    const at = i + k * step;
    const b = s.startsWith(intro, at) ? hexAt(s, at + introLen, 2) : -1;
    if (b < 0x80 || b > 0xbf) ok = false;
    else cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong and surrogate encodings are not text: keep the bytes.
  if (ok && ((extra === 2 && cp < 0x800) || (extra === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
  if (!ok) {
    out.push(b0, i, i + step);
    return i + step;
  }
  pushCodePoint(out, cp, i, i + (extra + 1) * step);
  return i + (extra + 1) * step;
}

function pushCodePoint(out: Builder, cp: number, a: number, b: number): void {
  if (cp <= 0xffff) out.push(cp, a, b);
  else {
    const x = cp - 0x10000;
    out.push(0xd800 + (x >> 10), a, b);
    out.push(0xdc00 + (x & 0x3ff), a, b);
  }
}

/** An HTML character reference at `i` (`&…`): its code point and end, or null. The `;` is optional for numeric ones, as browsers read them. */
function entity(s: string, i: number): { cp: number; end: number } | null {
  if (s.charAt(i + 1) === '#') {
    const hex = s.charAt(i + 2) === 'x' || s.charAt(i + 2) === 'X';
    let j = i + (hex ? 3 : 2);
    let cp = 0;
    const start = j;
    for (; j < s.length && j - start < 8; j++) {
      const ch = s.charCodeAt(j);
      const d = hex ? HEX[ch]! : ch >= 48 && ch <= 57 ? ch - 48 : -1;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + d;
    }
    if (j === start || cp > 0x10ffff) return null;
    return { cp, end: s.charAt(j) === ';' ? j + 1 : j };
  }
  const semi = s.indexOf(';', i + 1);
  if (semi < 0 || semi - i > 18) return null;
  const cp = ENTITIES[s.slice(i + 1, semi)];
  return cp === undefined || !Object.hasOwn(ENTITIES, s.slice(i + 1, semi)) ? null : { cp, end: semi + 1 };
}
