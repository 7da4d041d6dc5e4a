/**
 * Normalizing views of a text: the text as a decoder would read it, with, for every
 * character of the view, the span of the ORIGINAL text it came from (`from`, `to`),
 * so a match found in a view is redacted where it really is. A view of a view maps
 * straight to the original (maps are composed when a view is made).
 *
 * - unescape(): one decoding pass over percent escapes of any byte (`%6C`), `\uXXXX`,
 *   `\u{…}`, `\xXX` and the single-character backslash escapes of JSON/JS, and HTML
 *   numeric (`&#108;`, `&#x6C;`) and named (`&amp;`…) entities. Applied repeatedly, it
 *   undoes JSON escaped twice (or more).
 * - decodedRuns(): every run of base64 (standard or URL alphabet) or hex
 *   characters long enough to hold a secret, decoded at every character alignment
 *   (4 for base64, 2 for hex) into a view whose characters are the decoded BYTES.
 */
import { MIN_SECRET_LENGTH } from './forms';
import { giveCodes, giveInts, lease, leaseCodes, takeCodes, takeInts } from './scratch';

export interface View {
  readonly text: string;
  /**
   * The text's UTF-16 code units (the first text.length of the array): what the scans
   * that read every character (the fuzzy index, the run finder) read, since a typed
   * array costs about half of what charCodeAt does per character. Null: not made (a
   * scan with the views off reads the text only through the string).
   */
  readonly codes: Uint16Array | null;
  /** Original start of each view character; null: the view IS the original. */
  readonly from: Int32Array | null;
  /** Original end (exclusive) of each view character. */
  readonly to: Int32Array | null;
  /** Whether the view's last character comes from the original's last one (cut-prefix check). */
  readonly reachesEnd: boolean;
}

export function identityView(text: string, withCodes = true): View {
  return { text, codes: withCodes ? textCodes(text) : null, from: null, to: null, reachesEnd: true };
}

// src/core's lib has no DOM/Node types; the constructor is typed here to what it is used for.
const UTF8 = new (globalThis as unknown as { TextEncoder: new () => { encodeInto(s: string, into: Uint8Array): { read: number; written: number } } }).TextEncoder();
/** Bytes for encodeInto: a text is copied this many characters at a time through them. */
const BYTE_CHUNK = 1 << 16;
const byteScratch = new Uint8Array(BYTE_CHUNK);

/**
 * The code units of a text, in a pooled array (leased to the scan, scratch.ts). Text
 * that is all ASCII (nearly every result) is copied natively: UTF-8 of ASCII is its
 * code units, so encodeInto and a widening set() do it at memory speed instead of a
 * charCodeAt per character. In chunks, so the byte buffer stays small and reused.
 */
export function textCodes(text: string): Uint16Array {
  const n = text.length;
  const codes = takeCodes(n);
  leaseCodes(codes, n);
  const bytes = byteScratch;
  for (let at = 0; at < n; at += BYTE_CHUNK) {
    const end = Math.min(n, at + BYTE_CHUNK);
    const r = UTF8.encodeInto(at === 0 && end === n ? text : text.slice(at, end), bytes);
    if (r.read === end - at && r.written === end - at) codes.set(bytes.subarray(0, r.written), at);
    else for (let i = at; i < end; i++) codes[i] = text.charCodeAt(i);
    // The bytes may be a secret's: not left in the reused array.
    bytes.fill(0, 0, r.written);
  }
  return codes;
}

/** A view span [a, b) as a span of the original. */
export function toOriginal(v: View, a: number, b: number): [number, number] {
  return v.from === null ? [a, b] : [v.from[a]!, v.to![b - 1]!];
}

class Builder {
  codes: Uint16Array;
  from: Int32Array;
  to: Int32Array;
  n = 0;
  constructor(
    private readonly parent: View,
    capacity: number,
  ) {
    // Pooled (scratch.ts): at least `capacity` long, contents undefined.
    this.codes = takeCodes(capacity);
    this.from = takeInts(capacity);
    this.to = takeInts(capacity);
  }
  /** One view character made from parent characters [a, b). */
  push(code: number, a: number, b: number): void {
    const p = this.parent;
    // A split run can decode a character once per alignment into one view (decodeAligned).
    if (this.n === this.codes.length) this.grow();
    this.codes[this.n] = code;
    this.from[this.n] = p.from === null ? a : p.from[a]!;
    this.to[this.n] = p.to === null ? b : p.to[b - 1]!;
    this.n++;
  }
  /**
   * Parent characters [a, b) as they are, one view character each: the unchanged text
   * between escapes, copied without a call per character (most of any text).
   */
  copy(a: number, b: number): void {
    const len = b - a;
    while (this.n + len > this.codes.length) this.grow();
    const n = this.n;
    const p = this.parent;
    if (p.codes !== null) this.codes.set(p.codes.subarray(a, b), n);
    else for (let k = 0; k < len; k++) this.codes[n + k] = p.text.charCodeAt(a + k);
    if (p.from === null) {
      const from = this.from;
      const to = this.to;
      for (let k = 0; k < len; k++) {
        from[n + k] = a + k;
        to[n + k] = a + k + 1;
      }
    } else {
      this.from.set(p.from.subarray(a, b), n);
      this.to.set(p.to!.subarray(a, b), n);
    }
    this.n += len;
  }
  private grow(): void {
    const size = Math.max(16, this.codes.length * 2);
    const codes = takeCodes(size);
    const from = takeInts(size);
    const to = takeInts(size);
    codes.set(this.codes.subarray(0, this.n));
    from.set(this.from.subarray(0, this.n));
    to.set(this.to.subarray(0, this.n));
    giveCodes(this.codes, this.n);
    giveInts(this.from);
    giveInts(this.to);
    this.codes = codes;
    this.from = from;
    this.to = to;
  }
  // A UTF-8 sequence being read by pushByte(): its bytes and their parent spans (fixed
  // arrays: a wrongly aligned base64 decoding starts a sequence every few bytes).
  private readonly seq = new Int32Array(4);
  private readonly seqFrom = new Int32Array(4);
  private readonly seqTo = new Int32Array(4);
  private seqLen = 0;
  private need = 0;

  /**
   * One decoded byte: a UTF-8 sequence becomes its one character (as a decoder reads
   * the bytes), anything else stays one Latin-1 character per byte.
   */
  pushByte(byte: number, a: number, b: number): void {
    if (this.need > 0) {
      if (byte >= 0x80 && byte <= 0xbf) {
        this.seq[this.seqLen] = byte;
        this.seqFrom[this.seqLen] = a;
        this.seqTo[this.seqLen] = b;
        this.seqLen++;
        if (--this.need === 0) this.endSeq();
        return;
      }
      this.flushSeq();
    }
    const extra = byte >= 0xc2 && byte <= 0xdf ? 1 : byte >= 0xe0 && byte <= 0xef ? 2 : byte >= 0xf0 && byte <= 0xf4 ? 3 : 0;
    if (extra === 0) return this.push(byte, a, b);
    this.seq[0] = byte;
    this.seqFrom[0] = a;
    this.seqTo[0] = b;
    this.seqLen = 1;
    this.need = extra;
  }

  private endSeq(): void {
    const q = this.seq;
    const len = this.seqLen;
    let cp = len === 2 ? q[0]! & 0x1f : len === 3 ? q[0]! & 0x0f : q[0]! & 0x07;
    for (let k = 1; k < len; k++) cp = (cp << 6) | (q[k]! & 0x3f);
    const bad = (len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff);
    if (bad) return this.flushSeq();
    const a = this.seqFrom[0]!;
    const b = this.seqTo[len - 1]!;
    this.seqLen = 0;
    this.need = 0;
    if (cp <= 0xffff) this.push(cp, a, b);
    else {
      this.push(0xd800 + ((cp - 0x10000) >> 10), a, b);
      this.push(0xdc00 + ((cp - 0x10000) & 0x3ff), a, b);
    }
  }

  /** An unfinished sequence: its bytes as they are. */
  flushSeq(): void {
    const len = this.seqLen;
    this.seqLen = 0;
    this.need = 0;
    for (let k = 0; k < len; k++) this.push(this.seq[k]!, this.seqFrom[k]!, this.seqTo[k]!);
  }

  /** The view made; the codes go back to the pool, the position maps when the scan ends. */
  view(reachesEnd: boolean): View {
    this.flushSeq();
    const text = codesToString(this.codes, this.n);
    // The decoder made a lone surrogate U+FFFD: the codes must read as the text does
    // (rare: a U+FFFD in the text is the only sign, and indexOf finds it natively).
    if (text.indexOf('\uFFFD') >= 0) for (let k = 0; k < this.n; k++) this.codes[k] = text.charCodeAt(k);
    leaseCodes(this.codes, this.n);
    lease(this.from);
    lease(this.to);
    return { text, codes: this.codes, from: this.from.subarray(0, this.n), to: this.to.subarray(0, this.n), reachesEnd };
  }

  /** No view made: every array back to the pool. */
  discard(): void {
    giveCodes(this.codes, this.n);
    giveInts(this.from);
    giveInts(this.to);
  }
}

/**
 * Native UTF-16 decoding (TextDecoder is in every runtime the engine runs in). A lone
 * surrogate becomes U+FFFD, one unit for one: the view keeps its length and maps.
 */
// src/core's lib has no DOM/Node types; the constructor is typed here to what it is used for.
const UTF16 = new (globalThis as unknown as { TextDecoder: new (label: string) => { decode(units: Uint16Array): string } }).TextDecoder('utf-16le');
function codesToString(codes: Uint16Array, n: number): string {
  return UTF16.decode(codes.subarray(0, n));
}

const HEX = new Int8Array(0x10000).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

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

const B64 = new Int8Array(0x10000).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('').forEach((ch, k) => (B64[ch.charCodeAt(0)] = k));
B64[0x2b] = 62; // +
B64[0x2d] = 62; // -
B64[0x2f] = 63; // /
B64[0x5f] = 63; // _

/** The shortest base64 run worth decoding: the characters of MIN_SECRET_LENGTH bytes at any alignment. */
const MIN_B64_RUN = Math.ceil((MIN_SECRET_LENGTH * 8) / 6);
const MIN_HEX_RUN = 2 * MIN_SECRET_LENGTH;
/**
 * Between two decoded runs in one view: U+FFFF, a noncharacter no secret holds (and
 * that the skeleton view does not skip), so no match spans two runs.
 */
const RUN_GAP = 0xffff;
export const IS_B64 = 1;
export const IS_HEX = 2;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) CLASS[c] = (B64[c]! >= 0 ? IS_B64 : 0) | (HEX[c]! >= 0 ? IS_HEX : 0);
/** Joiner bits of CLASS: MIME and PEM wrap base64 lines (not spaces: prose would join into one run). */
export const B64_JOIN = 4;
/** Hex dumps separate bytes by spaces, tabs, line breaks, colons (`6c:6b`) or dashes. */
export const HEX_JOIN = 8;
for (const c of [0x0a, 0x0d]) CLASS[c] = CLASS[c]! | B64_JOIN | HEX_JOIN;
for (const c of [0x20, 0x09, 0x3a, 0x2d]) CLASS[c] = CLASS[c]! | HEX_JOIN;

/**
 * Every base64 run of `v` decoded at each of the 4 character alignments and every hex
 * run at both: one byte view per alignment, its runs joined by RUN_GAP.
 */
export function decodedRuns(v: View): View[] {
  const out: View[] = [];
  const b64 = findRuns(v.text, IS_B64, B64_JOIN, MIN_B64_RUN, v.codes ?? undefined);
  if (b64.length > 0) decodeAligned(v, b64, 4, MIN_B64_RUN, pushBase64, out);
  const hex = findRuns(v.text, IS_HEX, HEX_JOIN, MIN_HEX_RUN, v.codes ?? undefined);
  if (hex.length > 0) decodeAligned(v, hex, 2, MIN_HEX_RUN, pushHex, out);
  return out;
}

/** Decodes the whole groups of run positions pos[from, to) into b (data starts at `from`). */
type Decode = (s: string, pos: Int32Array, from: number, to: number, b: Builder) => void;

const pushBase64: Decode = (s, pos, from, to, b) => {
  // Each group of 4 characters is 3 bytes; byte j of a group is the end of character j
  // and the start of character j + 1 (a last, partial group gives what whole bytes it holds).
  for (let c = from; c + 1 < to; c += 4) {
    const p0 = pos[c]!;
    const p1 = pos[c + 1]!;
    const v0 = B64[s.charCodeAt(p0)]!;
    const v1 = B64[s.charCodeAt(p1)]!;
    b.pushByte(((v0 << 2) | (v1 >> 4)) & 0xff, p0, p1 + 1);
    if (c + 2 >= to) break;
    const p2 = pos[c + 2]!;
    const v2 = B64[s.charCodeAt(p2)]!;
    b.pushByte(((v1 << 4) | (v2 >> 2)) & 0xff, p1, p2 + 1);
    if (c + 3 >= to) break;
    const p3 = pos[c + 3]!;
    b.pushByte(((v2 << 6) | B64[s.charCodeAt(p3)]!) & 0xff, p2, p3 + 1);
  }
};

const pushHex: Decode = (s, pos, from, to, b) => {
  for (let k = from; k + 1 < to; k += 2) b.pushByte((HEX[s.charCodeAt(pos[k]!)]! << 4) | HEX[s.charCodeAt(pos[k + 1]!)]!, pos[k]!, pos[k + 1]! + 1);
};

/**
 * Encoders wrap or group their output between whole groups (`group` characters): a
 * base64 line (MIME, PEM) holds whole 4-character quanta, a hex group whole bytes. So
 * where the data read so far is not whole groups at a joiner, the encoded data ended
 * there and what follows the joiner is other text: it starts a run of its own (decoded
 * at every alignment in turn). Decoded as the same data, it would become bytes after
 * the real data's last one and change how that reads: `&#x32` followed by a decoded
 * `3` is the entity `&#x323`, and the secret's last character is lost.
 *
 * A piece start already crossed by a decoding in the same phase is not decoded again
 * at that alignment (it would give the same bytes): each character is decoded at most
 * once per alignment, as without the splitting.
 */
function decodeAligned(v: View, runs: Int32Array[], group: number, min: number, decode: Decode, out: View[]): void {
  const s = v.text;
  const parentEnd = v.to === null ? s.length : v.to[s.length - 1]!;
  const total = runs.reduce((t, r) => t + r.length, 0);
  const builders: Builder[] = [];
  // Each character once per alignment, as bytes (6 bits of base64, 4 of hex), and a RUN_GAP per run: grown when a split run needs more.
  for (let align = 0; align < group; align++) builders.push(new Builder(v, Math.ceil((total * (group === 4 ? 6 : 4)) / 8) + runs.length));
  for (const pos of runs) {
    // Most runs have no joiner (one token): every alignment decodes the whole run.
    if (pos[pos.length - 1]! - pos[0]! === pos.length - 1) {
      for (let align = 0; align < group; align++) {
        if (pos.length - align < min) continue;
        const b = builders[align]!;
        b.flushSeq();
        if (b.n > 0) b.push(RUN_GAP, pos[align]!, pos[align]! + 1);
        decode(s, pos, align, pos.length, b);
      }
      continue;
    }
    // crossed[k]: a decoding went on across the joiner before pos[k], so its groups start at pos[k].
    let crossed: Uint8Array | null = null;
    const starts = [0];
    const queued = new Set(starts);
    for (let q = 0; q < starts.length; q++) {
      const start = starts[q]!;
      for (let align = 0; align < group; align++) {
        if (align === 0 && crossed !== null && crossed[start] === 1) continue;
        const from = start + align;
        let to = pos.length;
        for (let k = from + 1; k < pos.length; k++) {
          if (pos[k]! - pos[k - 1]! <= 1) continue;
          if ((k - from) % group !== 0) {
            to = k;
            if (!queued.has(k)) {
              queued.add(k);
              starts.push(k);
            }
            break;
          }
          crossed ??= new Uint8Array(pos.length);
          crossed[k] = 1;
        }
        if (to - from < min) continue;
        const b = builders[align]!;
        b.flushSeq();
        if (b.n > 0) b.push(RUN_GAP, pos[from]!, pos[from]! + 1);
        decode(s, pos, from, to, b);
      }
    }
  }
  for (const b of builders) {
    if (b.n === 0) {
      b.discard();
      continue;
    }
    const view = b.view(false);
    out.push(v.reachesEnd && view.to!.length > 0 && view.to![view.to!.length - 1] === parentEnd ? { ...view, reachesEnd: true } : view);
  }
}

/** At most this many joiner characters between two characters of one run (`\r\n`). */
const MAX_JOIN = 2;

/** CLASS bits of a UTF-16 code unit (0 outside ASCII). */
function classOf(s: Uint16Array, i: number): number {
  const c = s[i]!;
  return c < 128 ? CLASS[c]! : 0;
}

/**
 * The runs of `cls` characters (joined across gaps of at most MAX_JOIN `join`
 * characters) with at least `min` characters: each as the positions of its characters.
 * Any `min` consecutive positions of a run hold a sample point, so only every `min`-th
 * position is tested (ordinary prose and JSON are mostly skipped that many at a time);
 * a sample on a joiner looks past it. Classes are table bits, not callbacks: this runs
 * over every byte of every result. Exported (with the class bits) for its property test
 * against a plain reading.
 */
export function findRuns(text: string, cls: number, join: number, min: number, codes?: Uint16Array): Int32Array[] {
  const n = text.length;
  const s = codes ?? textCodes(text);
  const out: Int32Array[] = [];
  let lastEnd = 0;
  for (let i = Math.min(min - 1, n - 1); i >= 0 && i < n;) {
    let seed = i;
    const k0 = classOf(s, i);
    if ((k0 & cls) === 0) {
      seed = (k0 & join) !== 0 ? across(s, n, i, 1, lastEnd, cls, join) : -1;
      if (seed < 0) {
        i += min;
        continue;
      }
    } else {
      // Most samples land in a short word. When what precedes it is a hard stop (neither
      // of the class nor a joiner: no run goes past one), a run through this sample
      // starts at the word and holds `min` characters only if none of the next `min`
      // positions is a hard stop. Looking from the far end back, the first hard stop
      // found rules out every run through this sample and any starting before it, so
      // the next sample is `min` past it (the full expansion below stops at the word's
      // end and samples again `min` after that, sooner).
      let a = seed;
      while (a - 1 >= lastEnd && (classOf(s, a - 1) & cls) !== 0) a--;
      if (a - 1 < lastEnd || (classOf(s, a - 1) & join) === 0) {
        if (a + min - 1 >= n) break;
        let x = a + min - 1;
        while (x > seed && (classOf(s, x) & (cls | join)) !== 0) x--;
        if (x > seed) {
          lastEnd = x + 1;
          i = x + min;
          continue;
        }
      }
    }
    let a = seed;
    let count = 1;
    for (;;) {
      if (a - 1 >= lastEnd && (classOf(s, a - 1) & cls) !== 0) {
        a--;
        count++;
      } else {
        const j = a - 1 >= lastEnd ? across(s, n, a, -1, lastEnd, cls, join) : -1;
        if (j < 0) break;
        a = j;
        count++;
      }
    }
    let b = seed;
    for (;;) {
      if (b + 1 < n && (classOf(s, b + 1) & cls) !== 0) {
        b++;
        count++;
      } else {
        const j = across(s, n, b, 1, lastEnd, cls, join);
        if (j < 0) break;
        b = j;
        count++;
      }
    }
    if (count >= min) {
      const pos = new Int32Array(count);
      let p = 0;
      for (let k = a; k <= b; k++) if ((classOf(s, k) & cls) !== 0) pos[p++] = k;
      out.push(pos);
    }
    lastEnd = b + 1;
    i = b + 1 + min;
  }
  return out;
}

/** The next run character from position i (direction dir) across joiners only, or -1. */
function across(s: Uint16Array, n: number, i: number, dir: 1 | -1, floor: number, cls: number, join: number): number {
  // n, not s.length: a pooled array can be longer than its text.
  for (let k = 1, j = i + dir; k <= MAX_JOIN + 1 && j >= floor && j < n; k++, j += dir) {
    const c = classOf(s, j);
    if ((c & cls) !== 0) return j;
    if ((c & join) === 0) return -1;
  }
  return -1;
}
