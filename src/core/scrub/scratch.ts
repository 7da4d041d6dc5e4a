/**
 * Reused typed arrays for the views' builders (view.ts). A scan makes a dozen or more
 * views, each three arrays sized to its text (its code units and position maps); on a stream of 16 KiB chunks that is
 * ≈ 2,600 array allocations per MiB (off-heap backing stores, each with its own
 * allocation and GC bookkeeping), ≈ 10 % of the stream scrubber's time. Arrays come
 * back here when a builder is done with them (a view never made) or when the scan that
 * read the views ends (their codes and position maps: `scanEnd`, called by
 * Scrubber.spans). An array still leased is never handed
 * out, so no live view shares one; an array never returned is simply collected.
 *
 * Character codes are zeroed when they come back: they may be decoded secret material,
 * and the pool would otherwise keep them past the scan.
 */

/** Arrays above this many elements are not kept: their allocation is small beside the scan of their text. */
const MAX_POOLED = 1 << 16;
/**
 * Except ONE array of codes up to this many elements: a large result's own code units
 * (view.ts textCodes), made anew for every scan, cost ≈ 5 % of a 1 MiB scrub in
 * fresh pages (CPU profile); a gateway result is one large body and small headers.
 */
const MAX_LARGE_CODES = 1 << 21;
let largeCodes: Uint16Array | null = null;
/** Bytes the pool may hold at most (both kinds). */
const MAX_POOL_BYTES = 4 << 20;
/** Leases kept track of in one scan at most: past that, arrays are left to the GC. */
const MAX_LEASED = 4096;

const codes = new Map<number, Uint16Array[]>();
const ints = new Map<number, Int32Array[]>();
let pooledBytes = 0;
let leased: Int32Array[] = [];
let leasedCodes: Array<{ readonly codes: Uint16Array; readonly used: number }> = [];

/** The size class of `n` elements: a power of two, at least 16. */
function sizeClass(n: number): number {
  return n <= 16 ? 16 : 1 << (32 - Math.clz32(n - 1));
}

function take<T extends Uint16Array | Int32Array>(pool: Map<number, T[]>, n: number, make: (size: number) => T): T {
  // Too large to pool: exactly as long as asked (a size class could double a 1 MiB text's maps).
  if (n > MAX_POOLED) return make(n);
  const size = sizeClass(n);
  const a = pool.get(size)?.pop();
  if (a === undefined) return make(size);
  pooledBytes -= a.byteLength;
  return a;
}

/** Only arrays this pool made (a size class: a power of two) are kept, up to the byte bound. */
function poolable(a: Uint16Array | Int32Array): boolean {
  return a.length <= MAX_POOLED && (a.length & (a.length - 1)) === 0 && pooledBytes + a.byteLength <= MAX_POOL_BYTES;
}

function give<T extends Uint16Array | Int32Array>(pool: Map<number, T[]>, a: T): void {
  if (!poolable(a)) return;
  const list = pool.get(a.length);
  if (list) list.push(a);
  else pool.set(a.length, [a]);
  pooledBytes += a.byteLength;
}

/** At least `n` elements, contents undefined (the builder writes before it reads). */
export function takeCodes(n: number): Uint16Array {
  if (n > MAX_POOLED && largeCodes !== null && largeCodes.length >= n) {
    const a = largeCodes;
    largeCodes = null;
    return a;
  }
  return take(codes, n, (size) => new Uint16Array(size));
}
export const takeInts = (n: number): Int32Array => take(ints, n, (size) => new Int32Array(size));

/** Codes no longer read: the first `used` are zeroed, then pooled. */
export function giveCodes(a: Uint16Array, used: number): void {
  if (a.length > MAX_POOLED && a.length <= MAX_LARGE_CODES && (largeCodes === null || largeCodes.length < a.length)) {
    a.fill(0, 0, used);
    largeCodes = a;
    return;
  }
  if (!poolable(a)) return;
  a.fill(0, 0, used);
  give(codes, a);
}

/** Positions no longer read. */
export function giveInts(a: Int32Array): void {
  give(ints, a);
}

let scans = 0;

/** A scan begins: the views made until its scanEnd() are read only within it. */
export function scanBegin(): void {
  scans++;
}

/**
 * Positions a view still reads: pooled again when the scan ends. Outside a scan (a
 * caller of views.ts that keeps its views) they are not tracked, so never reused.
 */
export function lease(a: Int32Array): void {
  if (scans === 0) return;
  if (leased.length >= MAX_LEASED) leased = [];
  leased.push(a);
}

/** Codes a view still reads (its first `used`): zeroed and pooled again when the scan ends, like lease(). */
export function leaseCodes(a: Uint16Array, used: number): void {
  if (scans === 0) return;
  if (leasedCodes.length >= MAX_LEASED) leasedCodes = [];
  leasedCodes.push({ codes: a, used });
}

/** The scan is over: none of its views is read again. */
export function scanEnd(): void {
  if (--scans > 0) return;
  const done = leased;
  leased = [];
  for (const a of done) give(ints, a);
  const codesDone = leasedCodes;
  leasedCodes = [];
  for (const c of codesDone) giveCodes(c.codes, c.used);
}
