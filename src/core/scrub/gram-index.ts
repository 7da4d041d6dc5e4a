/**
 * A multi-pattern index keyed by ONE q-character gram of each pattern, scanned with a
 * rolling hash: at every text position the hash of the last q characters picks a
 * bucket; an empty bucket (nearly every position) costs one typed-array read. A
 * candidate is verified against the real pattern, which the owner computes on demand
 * (`patternOf`), so the index itself stores no secret material, only hashes and
 * integer references: ≈ 20 bytes per pattern instead of an automaton's ≈ 30 bytes per
 * pattern CHARACTER (the Aho–Corasick matcher this replaces needed ≈ 1 GiB at 100k
 * items). Insert and delete are O(1) per pattern, so an item change never rebuilds it.
 *
 * The gram hash is shift-add over the last q characters, `h = (h << bits) + c` kept to
 * q·bits ≤ 32 bits: a character older than q is shifted out by itself, so the scan
 * needs no subtraction and reads each character once.
 *
 * Which gram (why): many secrets share a prefix (`ghp_`, `sk-live_`, `AKIA`), which
 * would put hundreds of patterns in one bucket and verify them all wherever that
 * prefix appears. The gram at the middle of the pattern is the most random part of
 * every form (forward, reversed, encoded). `middle: false` keys on the FIRST q
 * characters instead, for the cut-prefix check at the end of a capped text.
 *
 * Folding: `fold` maps each UTF-16 code unit to the character compared (identity, or
 * lower-cased) or SKIP (a separator dropped from text and patterns alike: the
 * skeleton view). Patterns given to a folding index must already be folded.
 */

/** U+FFFF is a noncharacter: no secret holds it, so it can mean "skip". */
export const SKIP = 0xffff;
const GOLD = 0x9e37_79b1;
/** Filter bits per bucket: 32 (one word), so at the load factor of ≤ 1 under 1 in 32 empty looks pass it. */
const FILTER_BITS = 5;
/** Keyed grams per pattern at most; an entry's ref holds which one (ref · MAX_STRIDE + k). */
const STRIDE_BITS = 4;
const MAX_STRIDE = 1 << STRIDE_BITS;

export type Fold = Uint16Array | null;

export class GramIndex {
  private shift: number;
  private heads: Int32Array;
  /**
   * One bit per 1/16 bucket, read before `heads`: the scan's common case (no pattern
   * there) then touches a table 8× smaller than heads, one that stays in cache. Bits of
   * deleted entries stay set until the next rehash (they only cost a look in heads).
   * 32-bit words: `word >>> f` takes the bit index mod 32 itself, one operation fewer
   * per text character than bytes (the scan's hot loop is little else).
   */
  private filter: Int32Array;
  private fshift: number;
  private eHash = new Int32Array(64);
  private eNext = new Int32Array(64);
  /**
   * ref · MAX_STRIDE + k (the k-th keyed gram), −1 when free. Three words an entry, no
   * offset or length: both follow from the pattern, which verification reads anyway
   * (memory at 100k items, with `stride` entries a pattern).
   */
  private eRef = new Int32Array(64);
  private used = 0;
  private free = -1;
  private live = 0;
  private readonly bits: number;
  private readonly mask: number;
  /** Longest pattern inserted (not lowered on delete: only a bound for carry-over). */
  maxLength = 0;

  constructor(
    readonly q: number,
    private readonly middle: boolean,
    readonly fold: Fold,
    private readonly patternOf: (ref: number) => string,
    /**
     * > 1: the text is hashed only at every `stride`-th position, and each pattern is
     * keyed by `stride` consecutive grams, centred, instead of one (exact, middle-keyed
     * only; patterns of at least q + stride − 1 characters). An occurrence then holds
     * exactly one sampled position at one of its keyed offsets, so it is found exactly
     * once, for 1/stride of the hashing: what lets a long-secret scan run far above a
     * character per step. Costs `stride` entries per pattern.
     */
    readonly stride = 1,
  ) {
    if (stride < 1 || stride > MAX_STRIDE) throw new Error(`A gram index strides 1 to ${MAX_STRIDE} characters.`);
    if (stride > 1 && (fold !== null || !middle)) throw new Error('A strided gram index is exact and middle-keyed.');
    this.bits = Math.floor(32 / q);
    this.mask = this.bits * q >= 32 ? -1 : (1 << (this.bits * q)) - 1;
    this.shift = 32 - 10;
    this.heads = new Int32Array(1 << 10).fill(-1);
    this.fshift = this.shift - FILTER_BITS;
    this.filter = new Int32Array(1 << (10 + FILTER_BITS - 5));
  }

  get size(): number {
    return this.live;
  }

  /** Bytes held by the index's arrays (for the memory bench). */
  get bytes(): number {
    return this.heads.byteLength + this.filter.byteLength + 3 * this.eHash.byteLength;
  }

  /** Shortest pattern the index takes. */
  get minLength(): number {
    return this.q + this.stride - 1;
  }

  /** The k-th keyed gram of `pattern` (k < stride): centred, as the most random part of it. */
  private gram(pattern: string, k = 0): number {
    const off = this.offset(pattern.length, k);
    let h = 0;
    for (let i = off; i < off + this.q; i++) h = ((h << this.bits) + pattern.charCodeAt(i)) & this.mask;
    return h;
  }

  /** Where the k-th keyed gram of a pattern of `length` characters starts in it. */
  private offset(length: number, k: number): number {
    if (!this.middle) return 0;
    return ((length - this.q - this.stride + 1) >> 1) + k;
  }

  private bucket(h: number): number {
    return Math.imul(h, GOLD) >>> this.shift;
  }

  add(ref: number, pattern: string): void {
    if (pattern.length < this.q) return;
    if (pattern.length < this.minLength) throw new Error('Pattern too short for this strided index.');
    for (let k = 0; k < this.stride; k++) this.addGram(ref, pattern, k);
    if (pattern.length > this.maxLength) this.maxLength = pattern.length;
  }

  private addGram(ref: number, pattern: string, k: number): void {
    const hash = this.gram(pattern, k);
    let e = this.free;
    if (e >= 0) this.free = this.eNext[e]!;
    else {
      if (this.used === this.eHash.length) this.growEntries();
      e = this.used++;
    }
    this.eHash[e] = hash;
    this.eRef[e] = ref * MAX_STRIDE + k;
    const b = this.bucket(hash);
    this.eNext[e] = this.heads[b]!;
    this.heads[b] = e;
    this.mark(hash);
    this.live++;
    if (this.live > this.heads.length) this.rehash();
  }

  delete(ref: number, pattern: string): void {
    if (pattern.length < this.minLength) return;
    for (let k = 0; k < this.stride; k++) this.deleteGram(ref, pattern, k);
  }

  private deleteGram(ref: number, pattern: string, k: number): void {
    const hash = this.gram(pattern, k);
    const b = this.bucket(hash);
    const key = ref * MAX_STRIDE + k;
    let prev = -1;
    for (let e = this.heads[b]!; e !== -1; prev = e, e = this.eNext[e]!) {
      if (this.eRef[e] !== key || this.eHash[e] !== hash) continue;
      if (prev === -1) this.heads[b] = this.eNext[e]!;
      else this.eNext[prev] = this.eNext[e]!;
      this.eRef[e] = -1;
      this.eNext[e] = this.free;
      this.free = e;
      this.live--;
      return;
    }
  }

  private growEntries(): void {
    // × 1.5, not × 2: the arrays are most of the index's memory at 100k items.
    const n = this.eHash.length + (this.eHash.length >> 1);
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.eHash = grow(this.eHash);
    this.eNext = grow(this.eNext);
    this.eRef = grow(this.eRef);
  }

  private mark(hash: number): void {
    const f = Math.imul(hash, GOLD) >>> this.fshift;
    this.filter[f >>> 5] = this.filter[f >>> 5]! | (1 << (f & 31));
  }

  private rehash(): void {
    const bits = 32 - this.shift + 1;
    this.shift = 32 - bits;
    this.fshift = this.shift - FILTER_BITS;
    this.heads = new Int32Array(1 << bits).fill(-1);
    this.filter = new Int32Array(1 << (bits + FILTER_BITS - 5));
    for (let e = 0; e < this.used; e++) {
      if (this.eRef[e] === -1) continue;
      const b = this.bucket(this.eHash[e]!);
      this.eNext[e] = this.heads[b]!;
      this.heads[b] = e;
      this.mark(this.eHash[e]!);
    }
  }

  /**
   * Calls `onMatch(start, end, ref)` for every occurrence of a pattern in `text` (folded
   * comparison when the index folds; a match then may span skipped characters).
   * `codes`: the text's UTF-16 code units (at least text.length of them), when the
   * caller has them: a folding index reads every character, and a typed array reads the
   * same whatever the string's shape (charCodeAt's loop took 5.6 or 8.6 ms for the same
   * 1 MiB in different processes; the array's 5.6–5.8 ms in each).
   */
  scan(text: string, onMatch: (start: number, end: number, ref: number) => void, codes?: Uint16Array): void {
    if (this.live === 0) return;
    if (this.stride > 1) this.scanStrided(text, onMatch);
    else if (this.fold === null) this.scanExact(text, onMatch);
    else this.scanFolded(codes ?? codesOf(text), text.length, this.fold, onMatch);
  }

  private scanExact(text: string, onMatch: (start: number, end: number, ref: number) => void): void {
    const q = this.q;
    const n = text.length;
    if (n < q) return;
    const filter = this.filter;
    const fshift = this.fshift;
    const bits = this.bits;
    const mask = this.mask;
    let h = 0;
    for (let i = 0; i < q - 1; i++) h = ((h << bits) + text.charCodeAt(i)) & mask;
    for (let i = q - 1; i < n; i++) {
      h = ((h << bits) + text.charCodeAt(i)) & mask;
      const f = Math.imul(h, GOLD) >>> fshift;
      if ((filter[f >>> 5]! >>> f) & 1) this.verifyExact(text, i + 1 - q, h, onMatch);
    }
  }

  private scanStrided(text: string, onMatch: (start: number, end: number, ref: number) => void): void {
    const q = this.q;
    const s = this.stride;
    const filter = this.filter;
    const fshift = this.fshift;
    const bits = this.bits;
    const mask = this.mask;
    const last = text.length - q;
    if (q === 6 && bits === 5) {
      // The exact index's gram, unrolled: the same value as the loop below (shift-add
      // mod 2^30 is the same whether masked per step or once).
      for (let i = 0; i <= last; i += s) {
        const h =
          ((text.charCodeAt(i) << 25) +
            (text.charCodeAt(i + 1) << 20) +
            (text.charCodeAt(i + 2) << 15) +
            (text.charCodeAt(i + 3) << 10) +
            (text.charCodeAt(i + 4) << 5) +
            text.charCodeAt(i + 5)) &
          mask;
        const f = Math.imul(h, GOLD) >>> fshift;
        if ((filter[f >>> 5]! >>> f) & 1) this.verifyExact(text, i, h, onMatch);
      }
      return;
    }
    for (let i = 0; i <= last; i += s) {
      let h = 0;
      for (let k = i; k < i + q; k++) h = ((h << bits) + text.charCodeAt(k)) & mask;
      const f = Math.imul(h, GOLD) >>> fshift;
      if ((filter[f >>> 5]! >>> f) & 1) this.verifyExact(text, i, h, onMatch);
    }
  }

  private verifyExact(text: string, gramStart: number, h: number, onMatch: (start: number, end: number, ref: number) => void): void {
    for (let e = this.heads[this.bucket(h)]!; e !== -1; e = this.eNext[e]!) {
      if (this.eHash[e] !== h) continue;
      const ref = this.eRef[e]! >> STRIDE_BITS;
      const p = this.patternOf(ref);
      const start = gramStart - this.offset(p.length, this.eRef[e]! & (MAX_STRIDE - 1));
      const end = start + p.length;
      if (start < 0 || end > text.length) continue;
      if (text.startsWith(p, start)) onMatch(start, end, ref);
    }
  }

  private scanFolded(text: Uint16Array, n: number, fold: Uint16Array, onMatch: (start: number, end: number, ref: number) => void): void {
    const filter = this.filter;
    const fshift = this.fshift;
    const bits = this.bits;
    const mask = this.mask;
    // No warm-up count: a hit before q characters fails verification's walk back.
    let h = 0;
    for (let i = 0; i < n; i++) {
      const c = fold[text[i]!]!;
      if (c === SKIP) continue;
      h = ((h << bits) + c) & mask;
      const f = Math.imul(h, GOLD) >>> fshift;
      if ((filter[f >>> 5]! >>> f) & 1) this.verifyFolded(text, n, fold, i, h, onMatch);
    }
  }

  private verifyFolded(text: Uint16Array, n: number, fold: Uint16Array, gramLast: number, h: number, onMatch: (start: number, end: number, ref: number) => void): void {
    for (let e = this.heads[this.bucket(h)]!; e !== -1; e = this.eNext[e]!) {
      if (this.eHash[e] !== h) continue;
      // Walk back over q-1+off folded characters to the pattern's first one.
      let j = gramLast;
      const ref = this.eRef[e]! >> STRIDE_BITS;
      const p = this.patternOf(ref);
      let need = this.q - 1 + this.offset(p.length, this.eRef[e]! & (MAX_STRIDE - 1));
      while (need > 0 && j > 0) {
        j--;
        if (fold[text[j]!] !== SKIP) need--;
      }
      if (need > 0) continue;
      let k = 0;
      let t = j;
      for (; t < n && k < p.length; t++) {
        const c = fold[text[t]!]!;
        if (c === SKIP) continue;
        if (c !== p.charCodeAt(k)) break;
        k++;
      }
      if (k === p.length) onMatch(j, t, ref);
    }
  }

  /**
   * For a text cut at its end: the earliest start p (with at least `minLength`
   * characters left) where the rest of the text is a proper prefix of a pattern. Only
   * for a prefix index (`middle: false`, no folding). -1 if none.
   */
  cutPrefix(text: string, minLength: number): number {
    if (this.live === 0 || this.middle || this.fold !== null) return -1;
    const n = text.length;
    const q = this.q;
    for (let p = Math.max(0, n - this.maxLength + 1); p <= n - Math.max(minLength, q); p++) {
      let h = 0;
      for (let i = p; i < p + q; i++) h = ((h << this.bits) + text.charCodeAt(i)) & this.mask;
      const rest = n - p;
      for (let e = this.heads[this.bucket(h)]!; e !== -1; e = this.eNext[e]!) {
        if (this.eHash[e] !== h) continue;
        const pattern = this.patternOf(this.eRef[e]! >> STRIDE_BITS);
        if (pattern.length > rest && pattern.startsWith(text.slice(p))) return p;
      }
    }
    return -1;
  }
}

/** The UTF-16 code units of `text`, for a caller of scan() that has no array of them. */
function codesOf(text: string): Uint16Array {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return codes;
}

/** Identity except SKIP for `skip`, lower-cased when `lower`. */
export function makeFold(skip: (c: number) => boolean, lower: boolean): Uint16Array {
  const t = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c === SKIP || skip(c)) t[c] = SKIP;
    else if (!lower) t[c] = c;
    else {
      const l = String.fromCharCode(c).toLowerCase();
      t[c] = l.length === 1 ? l.charCodeAt(0) : c;
    }
  }
  return t;
}
