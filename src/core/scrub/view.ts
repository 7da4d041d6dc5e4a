/**
 * A view of a text: the text as a decoder would read it, with, for every character of
 * the view, the span of the ORIGINAL text it came from (`from`, `to`), so a match found
 * in a view is redacted where it really is. A view of a view maps straight to the
 * original: the Builder composes the maps as it makes the view. The decoders that make
 * views are unescape.ts and runs.ts (views.ts says what each one reads).
 */
import { giveCodes, giveInts, lease, leaseCodes, takeCodes, takeInts } from './scratch';

export interface View {
  readonly text: string;
  /**
   * The text's UTF-16 code units (the first text.length of the array): what the scans
   * that read every character (the fuzzy index, the run finder) read: a typed array
   * reads at one speed, charCodeAt at one that depends on the string shapes its loop has
   * seen (gram-index.ts scan()). Null: not made (a
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

export class Builder {
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
