import { describe, expect, it } from 'vitest';
import { pairedDifferences, percentile, summarize } from '../../../bench/lib/stats';

describe('bench statistics', () => {
  it('interpolates percentiles between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 25)).toBe(2);
    expect(percentile([0, 10], 99)).toBeCloseTo(9.9);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes min, quartiles, tails and max without reordering the input', () => {
    const xs = [9, 1, 5, 3, 7];
    const s = summarize(xs);
    expect(s).toEqual({ n: 5, min: 1, q1: 3, p50: 5, q3: 7, p95: 8.6, p99: expect.closeTo(8.92, 10) as number, max: 9 });
    expect(xs).toEqual([9, 1, 5, 3, 7]);
  });

  it('pairs differences round by round and refuses samples of unequal length', () => {
    expect(pairedDifferences([3, 5], [1, 6])).toEqual([2, -1]);
    expect(() => pairedDifferences([1], [1, 2])).toThrow(RangeError);
  });
});
