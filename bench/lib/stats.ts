/**
 * Order statistics for benchmark samples. Percentiles use linear interpolation
 * between closest ranks (the "R-7"/Excel method), so p50 of an even-sized sample is
 * the mean of its two middle values and every figure is reproducible from the raw
 * samples printed in --json output.
 */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly q1: number;
  readonly p50: number;
  readonly q3: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export type Stat = 'p50' | 'p95' | 'p99' | 'min' | 'max';

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0–100`);
  const sorted = [...samples].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

function percentileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, min: NaN, q1: NaN, p50: NaN, q3: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0]!,
    q1: percentileSorted(s, 25),
    p50: percentileSorted(s, 50),
    q3: percentileSorted(s, 75),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
    max: s[s.length - 1]!,
  };
}

export function pick(s: Summary, stat: Stat): number {
  return s[stat];
}

/** Element-wise a[i] − b[i] of two samples taken in the same rounds (paired). */
export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError('paired samples must have the same length');
  return a.map((x, i) => x - b[i]!);
}
