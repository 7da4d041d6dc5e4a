/**
 * decodedRuns(): every run of base64 (standard or URL alphabet) or hex characters long
 * enough to hold a secret, decoded at every character alignment (4 for base64, 2 for
 * hex) into a view whose characters are the decoded BYTES; findRuns() finds the runs.
 */
import { B64, HEX } from './digits';
import { MIN_SECRET_LENGTH } from './forms';
import { Builder, textCodes, type View } from './view';

/** The shortest base64 run worth decoding: the characters of MIN_SECRET_LENGTH bytes at any alignment. */
const MIN_B64_RUN = Math.ceil((MIN_SECRET_LENGTH * 8) / 6);
const MIN_HEX_RUN = 2 * MIN_SECRET_LENGTH;
/**
 * Between two decoded runs in one view: U+FFFF, a noncharacter no secret holds, so no
 * exact match spans two runs. The skeleton view skips it like any separator, so a
 * secret whose halves were encoded as two runs is still found there (more redaction,
 * never less).
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
