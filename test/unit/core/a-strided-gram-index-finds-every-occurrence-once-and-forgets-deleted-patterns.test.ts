/**
 * The strided gram index (src/core/scrub/gram-index.ts) hashes the text only every
 * `stride` characters and keys each pattern by `stride` grams. Ways it could go wrong,
 * each tried here against a plain indexOf search: an occurrence at some offset falls
 * between two samples (missed), is found by two samples (reported twice), one near
 * the end of the text is never sampled, a pattern with repeated grams deletes the wrong
 * entry, or a deleted pattern's grams linger and still match.
 */
import { describe, expect, it } from 'vitest';
import { GramIndex } from '../../../src/core/scrub/gram-index';

/** Deterministic pseudo-random generator (xorshift32): failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function word(rand: () => number, length: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
  return s;
}

/** Every occurrence of every live pattern, as "start:end:ref", sorted. */
function naive(text: string, live: Map<number, string>): string[] {
  const out: string[] = [];
  for (const [ref, p] of live) {
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) out.push(`${at}:${at + p.length}:${ref}`);
  }
  return out.sort();
}

function scanned(index: GramIndex, text: string): string[] {
  const out: string[] = [];
  index.scan(text, (a, b, ref) => out.push(`${a}:${b}:${ref}`));
  return out.sort();
}

describe('a strided gram index', () => {
  it('finds every occurrence at every offset exactly once, up to the last character', () => {
    const rand = rng(7);
    const patterns = new Map<number, string>();
    const index = new GramIndex(6, true, null, (ref) => patterns.get(ref)!, 11);
    for (let ref = 0; ref < 40; ref++) {
      const p = word(rand, index.minLength + Math.floor(rand() * 30), 'abcdefghijklmnopqrstuvwxyz0123456789');
      patterns.set(ref, p);
      index.add(ref, p);
    }
    const list = [...patterns.values()];
    for (let round = 0; round < 200; round++) {
      // Patterns at every offset mod the stride, back to back, overlapping and at the very end.
      let text = word(rand, Math.floor(rand() * 23), 'xyz .,"');
      for (let k = 0; k < 6; k++) {
        const p = list[Math.floor(rand() * list.length)]!;
        text += rand() < 0.2 ? p.slice(0, Math.floor(rand() * p.length)) + p : p;
        text += word(rand, Math.floor(rand() * 13), 'xyz .,"');
      }
      if (rand() < 0.5) text += list[Math.floor(rand() * list.length)]!;
      expect(scanned(index, text)).toEqual(naive(text, patterns));
    }
  });

  it('keeps a pattern whose grams repeat, and forgets each deleted pattern entirely', () => {
    const rand = rng(11);
    const patterns = new Map<number, string>();
    const index = new GramIndex(6, true, null, (ref) => patterns.get(ref)!, 11);
    // Periodic patterns: several keyed grams share one hash.
    const periodic = ['abcabcabcabcabcabcabc', 'zzzzzzzzzzzzzzzzzzzz', 'xyxyxyxyxyxyxyxyxyxyxyxy'];
    periodic.forEach((p, ref) => {
      patterns.set(ref, p);
      index.add(ref, p);
    });
    for (let ref = 3; ref < 300; ref++) {
      const p = word(rand, index.minLength + Math.floor(rand() * 10), 'abcdef0123');
      patterns.set(ref, p);
      index.add(ref, p);
    }
    const text = () => {
      let t = '';
      for (const p of patterns.values()) if (rand() < 0.3) t += p + word(rand, Math.floor(rand() * 5), '-');
      return t + periodic.join('.');
    };
    for (let round = 0; round < 30; round++) {
      for (const ref of [...patterns.keys()]) {
        if (rand() < 0.1) {
          index.delete(ref, patterns.get(ref)!);
          patterns.delete(ref);
        }
      }
      const t = text();
      // The text still holds deleted patterns (periodic ones): they must not be reported.
      expect(scanned(index, t)).toEqual(naive(t, patterns));
    }
    expect(index.size).toBe(patterns.size * 11);
  });

  it('refuses a pattern shorter than it can find, and a folded or prefix-keyed stride', () => {
    const index = new GramIndex(6, true, null, () => '', 11);
    expect(() => index.add(0, 'a'.repeat(index.minLength - 1))).toThrow();
    expect(() => new GramIndex(6, true, new Uint16Array(0x10000), () => '', 11)).toThrow();
    expect(() => new GramIndex(6, false, null, () => '', 11)).toThrow();
  });
});
